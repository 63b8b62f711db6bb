#!/usr/bin/python3
"""cwltool, with taskres computing every job's resources.

Usage: TASKRES_URL=http://127.0.0.1:8080 cwltool-taskres.py [cwltool options] TOOL.cwl JOB.yml

Runs cwltool exactly as `cwltool` does, except that each job's ResourceRequirement (and
cwltool's CUDARequirement) is evaluated by a taskres service (`taskres serve`, POST
/v1/cwl/resolve) instead of by cwltool's own JavaScript engine: the tool's expressions run in
taskres's sandbox, under its timeout and memory cap, with the spec's rules (see docs/cwl.md).
What taskres answers becomes the job's `runtime.cores`, `runtime.ram`, `runtime.tmpdirSize`
and `runtime.outdirSize`. An error is the job's failure, with taskres's code and message.
"""
import json
import os
import sys
import urllib.request

import cwltool.main
import cwltool.process
from cwltool.errors import WorkflowException
from cwltool.process import Process
from cwltool.update import ORIGINAL_CWLVERSION

TASKRES_URL = os.environ.get("TASKRES_URL", "http://127.0.0.1:8080").rstrip("/")


def plain(value):
    """The loaded document's ruamel objects as plain JSON data."""
    return json.loads(json.dumps(value, default=str))


def effective_tool(process: Process) -> dict:
    """The tool as taskres takes it: the step's effective requirements and hints, the tool's own cwlVersion."""
    tool = process.tool
    return plain(
        {
            "class": tool.get("class"),
            "cwlVersion": process.metadata.get(ORIGINAL_CWLVERSION) or tool.get("cwlVersion") or process.metadata.get("cwlVersion"),
            "id": tool.get("id"),
            "inputs": tool.get("inputs", []),
            "requirements": process.requirements,
            "hints": process.hints,
            "$namespaces": process.metadata.get("$namespaces", {}),
        }
    )


def eval_resources_with_taskres(self: Process, builder, runtime_context):
    body = json.dumps({"tool": effective_tool(self), "job": plain(builder.job), "name": os.path.basename(str(self.tool.get("id", "tool")))}).encode()
    request = urllib.request.Request(f"{TASKRES_URL}/v1/cwl/resolve", data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        problem = json.load(error)
        raise WorkflowException(f"taskres: {problem.get('code')}: {problem.get('detail')}") from None
    values = answer["values"]
    sys.stderr.write(f"taskres: {json.dumps(values)}\n")
    if runtime_context.select_resources is not None:
        return runtime_context.select_resources(values, runtime_context)
    return values


Process.evalResources = eval_resources_with_taskres

if __name__ == "__main__":
    sys.exit(cwltool.main.main(sys.argv[1:]))
