package dev.veil.spark.job;

import dev.veil.enclave.inference.InferenceException;
import org.apache.spark.SparkEnv;
import org.apache.spark.executor.CoarseGrainedExecutorBackend;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.rpc.RpcEnv;
import org.apache.spark.scheduler.TaskDescription;
import org.apache.spark.scheduler.cluster.CoarseGrainedClusterMessages;
import scala.Function1;
import scala.Option;
import scala.PartialFunction;
import scala.runtime.AbstractPartialFunction;
import scala.runtime.BoxedUnit;

/**
 * Spark's executor backend, as Veil's launcher starts it ({@link ExecutorLaunch}). Once registered, its block transfer
 * connections (set up only then) must trust the attested driver's certificate alone, as its RPC did at start, and its
 * block server stores no uploaded block ({@link BlockUploads}); and it takes no task that ships code:
 * Spark hands each task the jars, files and archives added to its application since it started (and a URI of classes
 * compiled by a shell), which the executor fetches and loads beside the measured class path before the task runs. A
 * task carrying any is never run: the executor exits instead, so a driver that adds code loses its executors rather
 * than run that code beside the rows an instance decrypts. Every other message goes to Spark's backend unchanged.
 */
final class GuardedExecutorBackend extends CoarseGrainedExecutorBackend {
    private final SparkEnv env;
    private final String driverCertificateSha256;
    private volatile String refusal;
    /** Whether a task was given yet (read and written in the backend's one thread). */
    private boolean tookATask;

    GuardedExecutorBackend(RpcEnv rpcEnv, CoarseGrainedExecutorBackend.Arguments arguments, SparkEnv env, ResourceProfile profile,
            String driverCertificateSha256) {
        super(rpcEnv, arguments.driverUrl(), arguments.executorId(), arguments.bindAddress(), arguments.hostname(),
                arguments.cores(), env, arguments.resourcesFileOpt(), profile);
        this.env = env;
        this.driverCertificateSha256 = driverCertificateSha256;
    }

    @Override
    public PartialFunction<Object, BoxedUnit> receive() {
        PartialFunction<Object, BoxedUnit> spark = super.receive();
        return new AbstractPartialFunction<>() {
            @Override
            public boolean isDefinedAt(Object message) {
                return spark.isDefinedAt(message);
            }

            @Override
            public <A1, B1> B1 applyOrElse(A1 message, Function1<A1, B1> otherwise) {
                if ((refusal != null || stopping().get()) && !(message == CoarseGrainedClusterMessages.Shutdown$.MODULE$
                        || message == CoarseGrainedClusterMessages.StopExecutor$.MODULE$)) {
                    // refused (or stopping): Spark's exit only queues its shutdown behind what is already queued, and its
                    // handler runs a task even then; nothing but the shutdown is handled any more
                    return null;
                }
                if (message instanceof CoarseGrainedClusterMessages.LaunchTask && !tookATask) {
                    tookATask = true;
                    try {
                        BlockUploads.requireNoBlocks(env);
                    } catch (BlockUploads.NotClosed e) {
                        refuse(e.getMessage());
                        return null;
                    }
                }
                if (message instanceof CoarseGrainedClusterMessages.LaunchTask launch) {
                    String code = shippedCode(TaskDescription.decode(launch.data().value().duplicate()));
                    if (code != null) {
                        refuse("a task ships " + code + " to this executor, code its contract does not measure");
                        return null;
                    }
                }
                B1 handled = spark.applyOrElse(message, otherwise);
                if (message == CoarseGrainedExecutorBackend.RegisteredExecutor$.MODULE$ && executor() != null) {
                    // Spark's executor now exists, and with it the block transfer service; messages are handled one at a
                    // time, so this runs before any task is taken
                    try {
                        DriverConnection.requireOnlyTrusted(env, driverCertificateSha256);
                        BlockUploads.close(env);
                    } catch (InferenceException e) {
                        refuse("the driver is not an attested driver of its contract: " + e.getMessage());
                    } catch (BlockUploads.NotClosed e) {
                        refuse(e.getMessage());
                    }
                }
                return handled;
            }
        };
    }

    /** Ends the executor (Spark's backend tells the driver, and stops), as refused for {@code why} ({@link #refusal}). */
    private void refuse(String why) {
        if (refusal == null) {
            refusal = why;
        }
        exitExecutor(1, why, null, true);
    }

    /** Why this backend ended the executor, or null when it did not (written and read in the backend's one thread). */
    String refusal() {
        return refusal;
    }

    /** What code {@code task} brings with it (its jars, files, archives or a class URI), or null when none. */
    static String shippedCode(TaskDescription task) {
        if (!task.artifacts().jars().isEmpty()) {
            return "jars";
        }
        if (!task.artifacts().files().isEmpty()) {
            return "files";
        }
        if (!task.artifacts().archives().isEmpty()) {
            return "archives";
        }
        Option<org.apache.spark.JobArtifactState> state = task.artifacts().state();
        if (state.isDefined() && state.get().replClassDirUri().isDefined()) {
            return "classes served from a URI";
        }
        return null;
    }
}
