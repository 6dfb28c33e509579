"What the benchmark scripts share: printing a run as text, or (--json) only its numbers as one JSON object."
import contextlib
import io
import json


def emit(run, a, indent=1):
    "Call run(a, res): with a.json the text goes to a buffer and the filled-in `res` to standard output as JSON."
    if not a.json: return run(a, {})
    res = {}
    with contextlib.redirect_stdout(io.StringIO()): run(a, res)
    print(json.dumps(res, indent=indent))
