package dev.veil.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class LocalClusterSmokeTest {
  static String home() {
    try {
      java.nio.file.Path h = java.nio.file.Path.of("target/spark-home");
      java.nio.file.Files.createDirectories(h.resolve("jars"));
      return h.toAbsolutePath().toString();
    } catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); }
  }

  @Test
  void executorsAreSeparateJvms() {
    home();
    SparkConf conf = new SparkConf().setMaster("local-cluster[2,1,1024]").setAppName("smoke")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .set("spark.ui.enabled", "false");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      List<Long> pids = sc.parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
          .map(i -> ProcessHandle.current().pid()).distinct().collect();
      System.out.println("pids " + pids + " driver " + ProcessHandle.current().pid() + " " + Runtime.version());
      assertThat(pids).doesNotContain(ProcessHandle.current().pid());
    }
  }
}
