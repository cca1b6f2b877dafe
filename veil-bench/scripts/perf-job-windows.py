#!/usr/bin/env python3
"""CPU seconds by process and by executor thread for each kind of job of `./bench spark`, from a system-wide perf profile.

Usage (see docs/BENCHMARKS.md, "Spark batch"):
  perf record -a -k CLOCK_MONOTONIC -F 199 -o perf.data -- java ... -jar veil-bench/target/veil-bench.jar spark ...
  perf script -i perf.data -F comm,pid,tid,time,ip,sym,dso -G > perf.txt
  veil-bench/scripts/perf-job-windows.py perf.txt target/bench/spark-job-windows.txt

The benchmark writes each job's window on the monotonic clock to target/bench/spark-job-windows.txt;
the first job of each kind (the warm-up) is reported apart. Executor JVMs run with -XX:+UnlockDiagnosticVMOptions
-XX:+DumpPerfMapAtExit (given by -Dveil.bench.spark.executorJavaOptions) to name their compiled Java methods.
"""
import collections
import re
import sys

HZ = None
SAMPLE = re.compile(r'^\s*(.+?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+)\s+(.*?)\s+\((.*)\)\s*$')
WINDOW = re.compile(r'job window \(monotonic s\): (\S+) (\S+) ([\d.]+) ([\d.]+)')


def thread_group(comm):
    return re.sub(r'[#\d]+$', '', comm.strip())


def main(perf_txt, windows_file, hz):
    samples = []
    comms = collections.defaultdict(set)
    dsos = collections.defaultdict(set)
    for line in open(perf_txt, errors='replace'):
        m = SAMPLE.match(line)
        if not m:
            continue
        comm, pid, _tid, t, _ip, sym, dso = m.groups()
        samples.append((float(t), comm, pid, sym, dso))
        comms[pid].add(thread_group(comm))
        if 'onnxruntime' in dso:
            dsos[pid].add('ort')

    def role(pid):
        if pid == '0':
            return 'idle'
        if 'Executor task l' in comms[pid]:
            return 'executor'
        if 'dag-scheduler-e' in comms[pid] or 'veil-broker' in comms[pid]:
            return 'driver+brokers'
        if 'ort' in dsos[pid] or 'jspawnhelper' in comms[pid]:
            return 'inference worker'
        return 'other'

    windows = [(f'{m.group(1)} {m.group(2)}', float(m.group(3)), float(m.group(4)))
               for m in (WINDOW.search(l) for l in open(windows_file, errors='replace')) if m]
    seen = collections.Counter()
    jobs = collections.Counter()
    seconds = collections.Counter()
    by_role = collections.defaultdict(collections.Counter)
    by_thread = collections.defaultdict(collections.Counter)
    for name, start, end in windows:
        seen[name] += 1
        kind = name + (' (warm-up)' if seen[name] == 1 else '')
        jobs[kind] += 1
        seconds[kind] += end - start
        for t, comm, pid, _sym, _dso in samples:
            if start <= t <= end:
                r = role(pid)
                by_role[kind][r] += 1
                if r == 'executor':
                    by_thread[kind][thread_group(comm)] += 1
    for kind in jobs:
        n = jobs[kind]
        print(f'== {kind}: {n} job(s), {seconds[kind] / n:.2f} s a job; CPU s a job by process:',
              ', '.join(f'{r} {v / hz / n:.2f}' for r, v in by_role[kind].most_common() if r != 'idle'))
        print('   executor threads, CPU s a job:',
              ', '.join(f'{g} {v / hz / n:.2f}' for g, v in by_thread[kind].most_common(10)))


if __name__ == '__main__':
    if len(sys.argv) not in (3, 4):
        sys.exit('usage: perf-job-windows.py PERF_SCRIPT.txt SPARK_JOB_WINDOWS.txt [SAMPLING_HZ=199]')
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) == 4 else 199.0)
