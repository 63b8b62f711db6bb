"""cwltool's own evaluation of a tool's ResourceRequirement, timed: the baseline of bench/cwl.ts.

Usage: python3 bench/cwl-cwltool.py TOOL.cwl JOBS.json
Loads the tool once with cwltool's Python API, then for each job builds its Builder
(Process._init_job) and times Process.evalResources alone. Prints one JSON object:
{ "version", "jobs", "evalSeconds", "initSeconds", "results": [first 20 results] }.
"""
import json
import sys
import time

import cwltool.factory  # noqa: F401  (registers cwltool's loaders)
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.load_tool import load_tool
from cwltool.utils import CWLObjectType  # noqa: F401
from importlib.metadata import version

tool_path, jobs_path = sys.argv[1], sys.argv[2]
with open(jobs_path) as handle:
    jobs = json.load(handle)

loading = LoadingContext()
tool = load_tool(tool_path, loading)
runtime = RuntimeContext()
runtime.outdir = "/tmp/cwl-bench-out"
runtime.tmpdir = "/tmp/cwl-bench-tmp"

results = []
eval_seconds = 0.0
init_seconds = 0.0
for job in jobs:
    started = time.perf_counter()
    builder = tool._init_job(job, runtime)
    middle = time.perf_counter()
    value = tool.evalResources(builder, runtime)
    ended = time.perf_counter()
    init_seconds += middle - started
    eval_seconds += ended - middle
    if len(results) < 20:
        results.append(value)

print(json.dumps({"version": version("cwltool"), "jobs": len(jobs), "evalSeconds": eval_seconds, "initSeconds": init_seconds, "results": results}))
