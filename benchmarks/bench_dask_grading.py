"""Benchmark: the local pool against a Dask cluster of the same size on this machine, and a projection.

Two workloads, each graded twice in the same run on the same machine: by the local pool
(``batch.autograde``, W slots) and by a ``LocalCluster`` of W one-thread worker processes through
``autograde_on_cluster`` (started before the clock starts; its start-up is printed apart), in rounds that
alternate which goes first:

- ``synthetic``: N cheap submissions of the fixture assignment ``ps1`` (full, partial and wrong answers);
- ``real``: M copies of the reference solution of the heaviest assignment, ``reber`` (it trains an LSTM).

For each: seconds per submission (wall time / submissions), the throughput ratio cluster / pool, the time a
worker spends on a job (``grading_seconds``, measured on the worker), the dispatch overhead per task (worker
time outside the job: W x wall / N - grading seconds) and the coordinator's own time per task (packing the
job, writing the gradebook). From these it projects, and says that it is a projection, a 10,000-student
course of five assignments on 50 workers.

    python benchmarks/bench_dask_grading.py [--synthetic 1000] [--real 100] [--workers 2] [--rounds 4]
    (a count of 0 leaves that workload out; the projection needs both)
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

from bench_grading import synthetic  # noqa: E402
from support.grading_course import ASSIGNMENT, make_course, nbgrader, write_submission  # noqa: E402
from support.notebooks import release_notebook, solved, source_notebook  # noqa: E402

from lstmkit.grading import batch  # noqa: E402
from lstmkit.grading.cluster import ClusterOptions, autograde_on_cluster  # noqa: E402

QUIET = dict(log=lambda *a: None)


def synthetic_course(folder, n):
    course = make_course(str(folder))
    for i in range(n):
        write_submission(course, synthetic(i))
    return course, ASSIGNMENT


def reber_course(folder, n):
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / "reber", folder / "solutions" / "reber")
    with open(folder / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.CourseDirectory.root = {str(folder)!r}\n")
    nbgrader(str(folder), "generate_assignment", "reber", "--force")
    nb = solved(release_notebook("reber", folder), source_notebook("reber", folder))
    import nbformat

    for i in range(n):
        dest = folder / "submitted" / f"student{i:03d}" / "reber"
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / "reber.ipynb")
    return str(folder), "reber"


def measure(make, n, workers, rounds, work, name):
    """Grade the same class with the pool and with the cluster, in ``rounds`` parts that alternate which of
    the two goes first (the machine's other load drifts; both see the same drift); returns the figures."""
    from distributed import LocalCluster

    pool_course, assignment = make(work / f"{name}-pool", n)
    dask_course, _ = make(work / f"{name}-dask", n)
    students = sorted(os.listdir(os.path.join(pool_course, "submitted")))
    parts = [students[i::rounds] for i in range(rounds)]
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                           silence_logs=40)
    startup = time.perf_counter() - start
    walls, stats, rows = {"pool": 0.0, "dask": 0.0}, {}, {"pool": {}, "dask": {}}

    def pool(part):
        return batch.autograde(pool_course, assignment, workers=workers, students=part, **QUIET)

    def dask(part):
        options = ClusterOptions(scheduler=cluster.scheduler_address)
        return autograde_on_cluster(dask_course, assignment, options, students=part, stats=stats,
                                    progress_stream=open(os.devnull, "w"), **QUIET)

    try:
        for i, part in enumerate(parts):
            for label, grade in ((("pool", pool), ("dask", dask)) if i % 2 == 0 else (("dask", dask), ("pool", pool))):
                start = time.perf_counter()
                rows[label].update({r["student"]: r for r in grade(part)})
                walls[label] += time.perf_counter() - start
    finally:
        cluster.close()
    same = sum((rows["pool"][s]["status"], rows["pool"][s]["score"]) == (rows["dask"][s]["status"],
                                                                         rows["dask"][s]["score"]) for s in students)
    grading = statistics.mean(s["grading_seconds"] for s in stats.values())
    coordinator = statistics.mean(s["pack_seconds"] + s["record_seconds"] for s in stats.values())
    return {"n": n, "workers": workers, "rounds": rounds, "pool_wall": walls["pool"], "dask_wall": walls["dask"],
            "startup": startup, "grading": grading, "overhead": workers * walls["dask"] / n - grading,
            "pool_worker_time": workers * walls["pool"] / n, "coordinator": coordinator, "same": same}


def report(name, m):
    pool, dask = m["pool_wall"] / m["n"], m["dask_wall"] / m["n"]
    print(f"{name}: {m['n']} submissions, {m['workers']} workers; same status and score from both: "
          f"{m['same']}/{m['n']}")
    print(f"  local pool:   {m['pool_wall']:7.1f} s = {pool:.3f} s per submission")
    print(f"  Dask cluster: {m['dask_wall']:7.1f} s = {dask:.3f} s per submission "
          f"(cluster start-up {m['startup']:.1f} s, not counted; {m['rounds']} alternating rounds)")
    print(f"  throughput cluster / pool: {pool / dask:.2f}")
    print(f"  per task on a worker: grading {m['grading']:.3f} s, dispatch overhead {m['overhead']:.3f} s "
          f"(pool: {m['pool_worker_time']:.3f} s of worker time per task in all); coordinator "
          f"{m['coordinator'] * 1000:.1f} ms per task")


def project(light, heavy, students=10_000, assignments=5, workers=50):
    """Wall time of a course from the measured per-task cost: workers share the jobs; the coordinator
    records results one at a time, so it bounds the batch too."""
    tasks = students * assignments
    print(f"PROJECTION (not a measurement): {students:,} students x {assignments} assignments = {tasks:,} "
          f"submissions on {workers} workers like this machine's, one coordinator:")
    for label, m in (("every assignment as light as ps1", light), ("every assignment as heavy as reber", heavy)):
        per_task = m["grading"] + m["overhead"]
        on_workers = tasks * per_task / workers
        on_coordinator = tasks * m["coordinator"]
        hours = max(on_workers, on_coordinator) / 3600
        bound = "workers" if on_workers >= on_coordinator else "coordinator"
        print(f"  {label}: {per_task:.2f} s per task -> {hours:.1f} h ({bound}-bound; workers "
              f"{on_workers / 3600:.1f} h, coordinator {on_coordinator / 3600:.1f} h)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=1000)
    parser.add_argument("--real", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4, help="parts of each class, alternating who goes first")
    args = parser.parse_args()
    if shutil.which("bwrap") is None:
        sys.exit("bubblewrap (bwrap) is required: apt-get install -y bubblewrap")
    work = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        found = {}
        for name, label, make, n in (("synthetic", "synthetic ps1", synthetic_course, args.synthetic),
                                     ("reber", "real reber", reber_course, args.real)):
            if n > 0:  # 0 leaves a workload out
                found[name] = measure(make, n, args.workers, args.rounds, work, name)
                report(label, found[name])
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        if len(found) == 2:
            project(found["synthetic"], found["reber"])
        print(json.dumps({name: {k: round(v, 4) for k, v in m.items()} for name, m in found.items()}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
