package dev.veil.spark.parquet;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The one dataset key service each running Spark task of this process may decrypt under: its enclave instance's own,
 * and only while the instance reads its input ({@link #bind}). The driver names the key service in the read's options
 * and Parquet finds it by that name, while one executor JVM holds instances of several jobs: without this a driver
 * could have one job's task read files decrypted under another job's key service (another contract's, perhaps) and run
 * them through its own instance's model, or decrypt them in a task that runs no instance at all and collect the rows.
 * Spark opens a task's files in the task's own thread, as its iterator is first pulled and then file by file, so the
 * file's decryption ({@link BoundDatasetDecryption}) finds the task here. A binding is open only while the instance
 * consumes its input: a task that also reads files beside the instance's read (a union coalesced into the task, after
 * an instance's run over an empty partition) gets them decrypted nowhere; the binding's name ends with the task.
 */
public final class TaskKeyServices {
    /** By task attempt id (unique in the application): what the attempt may decrypt under. */
    private static final Map<Long, Binding> BY_ATTEMPT = new ConcurrentHashMap<>();

    private TaskKeyServices() {
    }

    /** A task's key service's name, and how many of its instance's reads are open (guarded by itself). */
    private static final class Binding {
        private final String kmsName;
        private int open;

        private Binding(String kmsName) {
            this.kmsName = kmsName;
        }

        private synchronized void opened() {
            open++;
        }

        private synchronized void closed() {
            open--;
        }

        private synchronized boolean isOpen() {
            return open > 0;
        }
    }

    /** One read of an instance in its task: while it is open the task decrypts under the instance's key service. */
    public static final class Read implements AutoCloseable {
        private final Binding binding;
        private boolean closed;

        private Read(Binding binding) {
            this.binding = binding;
        }

        /** Ends the read: the task opens no more files under the key service (until its instance reads again). */
        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                binding.closed();
            }
        }
    }

    /**
     * Binds the running task to {@code service}, registered under {@code kmsName}, for one read of its instance: the
     * caller closes the read once it consumed its input. Takes the service itself, not only its name, so that only the
     * instance holding it binds a task (Spark SQL's {@code reflect()} calls public static methods of strings on
     * executors); refuses a task bound to another service already (one task reads for one instance).
     */
    public static Read bind(String kmsName, DataKeyService service) {
        if (service == null || DataKeyServices.find(kmsName) != service) {
            throw new IllegalStateException("only the holder of the key service registered under a name binds a task to it");
        }
        TaskContext task = TaskContext.get();
        if (task == null) {
            throw new IllegalStateException("only a Spark task is bound to a key service");
        }
        Binding fresh = new Binding(kmsName);
        Binding bound = BY_ATTEMPT.putIfAbsent(task.taskAttemptId(), fresh);
        if (bound == null) {
            bound = fresh;
            // run when the task ends, whatever its outcome (at once if it has ended): nothing outlives the task
            task.addTaskCompletionListener((TaskCompletionListener) t -> BY_ATTEMPT.remove(t.taskAttemptId(), fresh));
        } else if (!bound.kmsName.equals(kmsName)) {
            throw new IllegalStateException("this task reads for another instance");
        }
        bound.opened();
        return new Read(bound);
    }

    /**
     * Whether the running thread may decrypt under {@code kmsName}: in a Spark task only while its instance's read under
     * that name is open; outside any task only when {@code outsideTasks} (a data provider reading its own dataset, where
     * there is no instance to tell apart). An instance's name never decrypts outside a task: Spark reads footers in
     * threads of its own, which no task's binding reaches.
     */
    static boolean mayDecrypt(String kmsName, boolean outsideTasks) {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return outsideTasks;
        }
        Binding bound = BY_ATTEMPT.get(task.taskAttemptId());
        return bound != null && bound.kmsName.equals(kmsName) && bound.isOpen();
    }

    /** The key service's name task attempt {@code taskAttemptId} is bound to, or null when it is bound to none. */
    static String boundTo(long taskAttemptId) {
        Binding bound = BY_ATTEMPT.get(taskAttemptId);
        return bound == null ? null : bound.kmsName;
    }
}
