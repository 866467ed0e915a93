"""Notebook outputs as the grader writes them: every text bounded, errors kept whole enough to score."""

import nbformat

def clip(text, limit):
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} characters dropped]\n"


def error_output(ename, evalue, tb_lines):
    return nbformat.v4.new_output("error", ename=str(ename)[:200], evalue=str(evalue)[:2000],
                                  traceback=[str(line)[:2000] for line in tb_lines][-30:])


def student_outputs(reply, output_limit):
    outputs = []
    for name in ("stdout", "stderr"):
        text = reply.get(name)
        if isinstance(text, str) and text:
            outputs.append(nbformat.v4.new_output("stream", name=name, text=clip(text, output_limit)))
    error = reply.get("error")
    if isinstance(error, dict):
        tb = str(error.get("traceback", ""))
        outputs.append(error_output(error.get("ename", "Error"), error.get("evalue", ""), tb.splitlines()))
    return outputs


# ------------------------------------------------------------------ notebooks
def output_size(outputs):
    return sum(len(str(o.get("text", ""))) + len(str(o.get("evalue", ""))) + len(str(o.get("ename", "")))
               + sum(len(str(line)) for line in o.get("traceback", [])) + len(repr(o.get("data", "")))
               for o in outputs)
