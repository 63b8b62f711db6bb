#!/usr/bin/env cwl-runner
# A tool whose resources grow with its inputs. It prints the runtime values its job got, so
# the example can show that what cwltool ran with is what taskres computed.
cwlVersion: v1.2
class: CommandLineTool
id: align
requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        function mib(file) { return file.size / 1048576; }
        function total(files) { var sum = 0; for (var i = 0; i < files.length; i++) { sum += mib(files[i]); } return sum; }
  ResourceRequirement:
    coresMin: $(Math.min(4, inputs.reads.length))
    # A fractional result: v1.2 allows it, and the spec says to round it up.
    ramMin: $(256 + total(inputs.reads) * 1.5)
    tmpdirMin: ${ return Math.ceil(total(inputs.reads) * 3) + 64; }
inputs:
  reads: File[]
outputs:
  runtime_values:
    type: stdout
baseCommand: echo
arguments: [ $(runtime.cores), $(runtime.ram), $(runtime.tmpdirSize), $(runtime.outdirSize) ]
stdout: runtime.txt
