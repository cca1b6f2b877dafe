package dev.veil.spark.job;

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
 * Spark's executor backend, as Veil's launcher starts it ({@link ExecutorLaunch}), which takes no task that ships code:
 * Spark hands each task the jars, files and archives added to its application since it started (and a URI of classes
 * compiled by a shell), which the executor fetches and loads beside the measured class path before the task runs. A
 * task carrying any is never run: the executor exits instead, so a driver that adds code loses its executors rather
 * than run that code beside the rows an instance decrypts. Every other message goes to Spark's backend unchanged.
 */
final class GuardedExecutorBackend extends CoarseGrainedExecutorBackend {
    GuardedExecutorBackend(RpcEnv rpcEnv, CoarseGrainedExecutorBackend.Arguments arguments, SparkEnv env, ResourceProfile profile) {
        super(rpcEnv, arguments.driverUrl(), arguments.executorId(), arguments.bindAddress(), arguments.hostname(),
                arguments.cores(), env, arguments.resourcesFileOpt(), profile);
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
                if (message instanceof CoarseGrainedClusterMessages.LaunchTask launch) {
                    String code = shippedCode(TaskDescription.decode(launch.data().value().duplicate()));
                    if (code != null) {
                        exitExecutor(1, "task refused: it ships " + code + " to this executor, code its contract does not measure",
                                null, true);
                        return null;
                    }
                }
                return spark.applyOrElse(message, otherwise);
            }
        };
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
