package dev.veil.spark.parquet;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The one dataset key service each running Spark task of this process may decrypt under: its enclave instance's own,
 * bound by the instance before the task opens a file ({@link #bind}). The driver names the key service in the read's
 * options and Parquet finds it by that name, while one executor JVM holds instances of several jobs: without this a
 * driver could have one job's task read files decrypted under another job's key service (another contract's, perhaps)
 * and run them through its own instance's model, or decrypt them in a task that runs no instance at all and collect
 * the rows. Spark opens a task's files in the task's own thread, as its iterator is first pulled and then file by
 * file, so the file's decryption ({@link BoundDatasetDecryption}) finds the task here; a binding ends with its task.
 */
public final class TaskKeyServices {
    /** By task attempt id (unique in the application): the name of the key service the attempt may decrypt under. */
    private static final Map<Long, String> BY_ATTEMPT = new ConcurrentHashMap<>();

    private TaskKeyServices() {
    }

    /**
     * Binds the running task to the key service registered under {@code kmsName} until the task ends; refuses a task
     * bound to another one already (one task reads for one instance).
     */
    public static void bind(String kmsName) {
        TaskContext task = TaskContext.get();
        if (task == null) {
            throw new IllegalStateException("only a Spark task is bound to a key service");
        }
        String bound = BY_ATTEMPT.putIfAbsent(task.taskAttemptId(), kmsName);
        if (bound == null) {
            // run when the task ends, whatever its outcome (at once if it has ended): nothing outlives the task
            task.addTaskCompletionListener((TaskCompletionListener) t -> BY_ATTEMPT.remove(t.taskAttemptId(), kmsName));
        } else if (!bound.equals(kmsName)) {
            throw new IllegalStateException("this task reads for another instance");
        }
    }

    /**
     * Whether the running task may decrypt under {@code kmsName}: only when it is the task's binding. Outside a Spark
     * task (a data provider reading its own dataset) there is no instance to tell apart.
     */
    static boolean mayDecrypt(String kmsName) {
        TaskContext task = TaskContext.get();
        return task == null || kmsName.equals(boundTo(task.taskAttemptId()));
    }

    /** The key service's name task attempt {@code taskAttemptId} is bound to, or null when it is bound to none. */
    static String boundTo(long taskAttemptId) {
        return BY_ATTEMPT.get(taskAttemptId);
    }
}
