"""nbgrader's own commands over several assignments, to the end: ``python -m lstmkit.grading plain ...``.

The Makefile's ``release``, ``autograde`` and ``feedback`` targets run this. For each assignment it runs
nbgrader's command (``generate_assignment``, ``autograde`` or ``generate_feedback``) with its output on the
terminal, goes on after a failure, and ends with a report naming every assignment and student that could
not be processed; the exit status is 1 when there is one, 0 otherwise.

Autograding records an assignment missing from the gradebook first (:func:`course.record_assignment`), and
a submission that nbgrader could not grade (a notebook that is missing, renamed, not valid JSON ...) leaves
nothing in the gradebook: nbgrader itself leaves a blank submission behind, which the formgrader lists as
needing a manual grade and the export counts as a 0. The hardened grader treats a rejected notebook the same
way; ``make export`` marks such a student ``not_graded``.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Optional

from . import course as course_mod


@dataclass(frozen=True)
class Problem:
    """One thing a command could not do: an assignment, a student's submission of it (or None), why."""
    assignment: str
    student: Optional[str]
    reason: str

    def __str__(self):
        who = f"{self.assignment}, student {self.student}" if self.student else self.assignment
        return f"{who}: {self.reason}"


def say(line):
    print(line, flush=True)


def run_nbgrader(root, *args):
    """Run ``nbgrader ARGS`` in the course directory, output to this terminal; returns its exit status."""
    env = dict(os.environ)  # nbgrader runs alembic through PATH
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    # SQLAlchemy's autoflush notes from nbgrader's update_or_create_submission, harmless (as in gradebook.py)
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), "ignore:Object of type"]))
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env).returncode


def release(root, assignments):
    """``nbgrader generate_assignment A --force`` for each assignment; returns the problems."""
    problems = []
    for a in assignments:
        status = run_nbgrader(root, "generate_assignment", a, "--force")
        if status != 0:
            problems.append(Problem(a, None, f"nbgrader generate_assignment exited with status {status}"))
    return problems


def _notebook_names(coursedir, assignment):
    from nbgrader.api import Gradebook

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return sorted(n.name for n in gb.find_assignment(assignment).notebooks)


def why_not_graded(submission_dir, names):
    """The first thing wrong with a submission's notebooks that the pre-flight check can name."""
    from .preflight import Rejected, find_notebook, load_notebook

    try:
        for name in names:
            load_notebook(find_notebook(submission_dir, name, names), name + ".ipynb")
    except Rejected as exc:
        return str(exc)
    return "nbgrader could not grade it (its error is in the log above)"


def _forget_submission(coursedir, assignment, student):
    from nbgrader.api import Gradebook

    from .gradebook import forget_submission

    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        forget_submission(gb, assignment, student)


def autograde(root, assignments):
    """``nbgrader autograde A --force`` for each assignment with submissions; returns the problems."""
    coursedir, _ = course_mod.load_course(root)
    problems = []
    for a in assignments:
        students = course_mod.students_of(coursedir, a)
        if not students:
            say(f"{a}: no submissions in {coursedir.format_path(coursedir.submitted_directory, '*', a)}")
            continue
        try:
            course_mod.record_assignment(root, a, log=say)
        except course_mod.CourseError as exc:
            problems.append(Problem(a, None, str(exc)))
            continue
        status = run_nbgrader(root, "autograde", a, "--force")
        names = _notebook_names(coursedir, a)
        failed = []
        for student in students:
            graded = coursedir.format_path(coursedir.autograded_directory, student, a)
            if all(os.path.isfile(os.path.join(graded, n + ".ipynb")) for n in names):
                continue
            submitted = coursedir.format_path(coursedir.submitted_directory, student, a)
            failed.append(Problem(a, student, why_not_graded(submitted, names)))
            _forget_submission(coursedir, a, student)
        say(f"{a}: {len(students) - len(failed)} of {len(students)} submissions graded")
        if status != 0 and not failed:
            failed.append(Problem(a, None, f"nbgrader autograde exited with status {status}"))
        problems += failed
    return problems


def feedback(root, assignments):
    """``nbgrader generate_feedback A --force`` for each assignment with graded work; returns the problems."""
    coursedir, _ = course_mod.load_course(root)
    problems = []
    for a in assignments:
        folder = os.path.join(coursedir.root, coursedir.autograded_directory)
        students = sorted(s for s in (os.listdir(folder) if os.path.isdir(folder) else [])
                          if os.path.isdir(coursedir.format_path(coursedir.autograded_directory, s, a)))
        if not students:
            continue
        status = run_nbgrader(root, "generate_feedback", a, "--force")
        failed = []
        for student in students:
            graded = coursedir.format_path(coursedir.autograded_directory, student, a)
            html = coursedir.format_path(coursedir.feedback_directory, student, a)
            missing = [n for n in sorted(os.listdir(graded)) if n.endswith(".ipynb")
                       and not os.path.isfile(os.path.join(html, n[:-6] + ".html"))]
            if missing:
                failed.append(Problem(a, student, f"no feedback for {', '.join(missing)} (nbgrader's error is "
                                                  "in the log above)"))
        if status != 0 and not failed:
            failed.append(Problem(a, None, f"nbgrader generate_feedback exited with status {status}"))
        problems += failed
    return problems


COMMANDS = {"release": (release, "released"), "autograde": (autograde, "graded"),
            "feedback": (feedback, "given feedback")}


def main(command, root, assignments):
    """Run ``command`` over ``assignments`` and report; returns the exit status (1 if anything failed)."""
    run, done = COMMANDS[command]
    problems = run(root, assignments)
    if not problems:
        say(f"{command}: done for {', '.join(assignments)}")
        return 0
    say(f"\n{command}: not {done} ({len(problems)}; everything else was):")
    for problem in problems:
        say(f"  {problem}")
    if command == "autograde":
        say("Nothing is recorded for these students. Fix the notebook or ask for a new one, then run "
            "`make autograde` again.")
    return 1
