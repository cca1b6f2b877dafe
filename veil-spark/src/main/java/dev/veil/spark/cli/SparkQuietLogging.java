package dev.veil.spark.cli;

import dev.veil.spark.job.PartitionFailure;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.filter.AbstractFilter;
import org.apache.logging.log4j.message.Message;

/**
 * The launcher's logging beyond its log4j2.properties (levels: Spark, Hadoop and Parquet at ERROR): a failure Veil
 * classified ({@link PartitionFailure}, which the command reports in one line) is never logged with its stack trace by
 * Spark's executor, task and writer, which each log it at ERROR. {@code VEIL_DEBUG} set keeps everything instead:
 * Spark's INFO lines and every trace, as the launcher then also prints an internal error's trace.
 */
final class SparkQuietLogging {
    /** The loggers log4j2.properties quiets, given back their INFO detail under VEIL_DEBUG. */
    private static final List<String> QUIETED = List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop",
            "org.apache.parquet", "io.netty", "org.apache.spark.scheduler.TaskSetManager");
    private static boolean installed;

    private SparkQuietLogging() {
    }

    static synchronized void install(boolean debug) {
        if (installed || !(LogManager.getContext(false) instanceof LoggerContext context)) {
            return;   // installed, or log4j 2 is not the logging backend here (its properties file is then unused too)
        }
        installed = true;
        if (debug) {
            QUIETED.forEach(name -> Configurator.setLevel(name, Level.INFO));
            return;
        }
        context.getConfiguration().addFilter(new ClassifiedFailures());
        context.updateLoggers();
    }

    /** Denies an event whose exception is, or was caused by, a failure Veil classified; leaves the rest to the levels. */
    static final class ClassifiedFailures extends AbstractFilter {
        ClassifiedFailures() {
            super(Filter.Result.DENY, Filter.Result.NEUTRAL);
        }

        // log4j asks a configuration's filter before it makes the event (the Throwable forms), an appender's with the event
        @Override
        public Result filter(LogEvent event) {
            return of(event.getThrown());
        }

        @Override
        public Result filter(Logger logger, Level level, Marker marker, Message msg, Throwable t) {
            return of(t);
        }

        @Override
        public Result filter(Logger logger, Level level, Marker marker, Object msg, Throwable t) {
            return of(t);
        }

        @Override
        public Result filter(Logger logger, Level level, Marker marker, String msg, Object... params) {
            return params != null && params.length > 0 && params[params.length - 1] instanceof Throwable t ? of(t) : onMismatch;
        }

        private Result of(Throwable t) {
            return t != null && PartitionFailure.codeIn(t) != null ? onMatch : onMismatch;
        }
    }
}
