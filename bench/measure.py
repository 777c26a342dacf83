# Measures one whole child process: wall time and peak RSS.
#
#   python3 bench/measure.py '<json spec>'
#   spec = {"argv": [...], "stdout": "file", "stderr": "file", "cwd": "dir"?}
#
# Prints one JSON line: {"rc": int, "wall_ms": float, "cpu_ms": float, "maxrss_kb": int}.
# cpu_ms = user + system CPU time of the child (ru_utime + ru_stime), less sensitive
# than wall time to other load on the machine.
#
# Wall time is time.perf_counter() around subprocess.run, so the interpreter's
# own start-up is not counted. Peak RSS is getrusage(RUSAGE_CHILDREN).ru_maxrss,
# taken after the child was waited for: the largest resident set of any waited-for
# descendant of this wrapper (kilobytes on Linux, bytes on macOS). The wrapper
# runs exactly one child, so that is the child's own peak (or, if the child runs
# sub-processes and waits for them, the largest of them). The wrapper's own RSS is
# not included: RUSAGE_CHILDREN only covers children.
import json
import resource
import subprocess
import sys
import time

spec = json.loads(sys.argv[1])
with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(spec["argv"], stdout=out, stderr=err, cwd=spec.get("cwd"))
        rc = proc.returncode
    except OSError as e:  # e.g. ENOENT, EACCES
        err.write(("measure.py: cannot start %r: %s\n" % (spec["argv"][0], e)).encode())
        rc = 127
    t1 = time.perf_counter()

ru = resource.getrusage(resource.RUSAGE_CHILDREN)
maxrss_kb = ru.ru_maxrss // 1024 if sys.platform == "darwin" else ru.ru_maxrss
cpu_ms = (ru.ru_utime + ru.ru_stime) * 1000.0
print(json.dumps({"rc": rc, "wall_ms": (t1 - t0) * 1000.0, "cpu_ms": cpu_ms, "maxrss_kb": maxrss_kb}))
