"""The parts of lstmkit.grading.similarity against independent truths: what normalisation keeps and drops,
winnowing's guarantee against its definition, the inverted index against every pair computed directly, and the
HTML fragment (escaped, real table headers, marks with words, contrast computed from its colours, axe in
chromium in light and dark mode on a phone)."""
from __future__ import annotations

import itertools
import random
import re
from html.parser import HTMLParser

import pytest

from lstmkit.grading.similarity import Parameters, compare_submissions, given_code, prepare, render_fragment, \
    render_page, render_table
from lstmkit.grading.similarity.collect import AnswerCell, Release, Submission, read_release
from lstmkit.grading.similarity.compare import common_cap
from lstmkit.grading.similarity.fingerprints import fingerprint, winnow
from lstmkit.grading.similarity.tokens import Tokens, normalise
from support import similar_class
from support.notebooks import ROOT

KNOWN = frozenset({"np", "sigmoid", "lstm_gates"})


# ------------------------------------------------------------------------------------------ tokens
def test_names_comments_layout_and_literals_are_normalised_away():
    one = '''def lstm_gates(x, h_prev, params):
    a = x @ params["weight_ih"].T + params["bias_ih"]  # pre-activation
    parts = np.split(a, 4, axis=-1)
    return (sigmoid(parts[0]), parts)
'''
    two = '''def lstm_gates(inp, state, p):
    """Gates."""
    # another comment
    pre = inp @ p['w'].T + \\
          p["b"]
    chunks = np.split(pre,
                      8, axis = -2,)
    return sigmoid(chunks[1]), chunks ; 
'''
    assert normalise(one, KNOWN).text == normalise(two, KNOWN).text
    assert "np" in normalise(one, KNOWN).text and "sigmoid" in normalise(one, KNOWN).text  # the release's names
    assert "T" in normalise(one, KNOWN).text and "split" in normalise(one, KNOWN).text      # attributes
    other_library = one.replace("np.split", "xp.split")
    assert normalise(other_library, KNOWN).text != normalise(one, KNOWN).text


def test_tokens_keep_their_place_in_the_source_and_broken_code_is_still_read():
    source = 'def f(x):\n    s = "unterminated\n    return x +* 2 ¤\n'
    tokens = normalise(source, frozenset())
    assert [source[a:b] for a, b in tokens.spans] == [
        "def", "f", "(", "x", ")", ":", "s", "=", '"unterminated', "return", "x", "+", "*", "2", "¤"]
    assert tokens.text == ("def", "N", "(", "N", ")", ":", "N", "=", "$", "return", "N", "+", "*", "#", "¤")
    assert tokens.statements == ((0, 6), (6, 9), (9, 15))


# ---------------------------------------------------------------------------------------- winnowing
def test_winnowing_keeps_the_rightmost_minimum_of_every_window():
    rng = random.Random(3)
    for _ in range(300):
        hashes = [rng.randrange(20) for _ in range(rng.randrange(1, 40))]
        window = rng.randrange(1, 7)
        chosen = winnow(hashes, window)
        assert chosen == sorted(set(chosen))
        for start in range(max(1, len(hashes) - window + 1)):   # the definition, window by window
            part = hashes[start:start + window]
            rightmost = start + max(i for i, h in enumerate(part) if h == min(part))
            assert rightmost in chosen


def test_a_shared_run_of_k_plus_window_minus_one_tokens_is_always_found():
    rng = random.Random(4)
    alphabet = ["N", "=", "+", "(", ")", "#", "@", "np", ".", "T"]
    k, window = 5, 4
    for _ in range(200):
        run = [rng.choice(alphabet) for _ in range(k + window - 1)]
        one = [rng.choice(alphabet) for _ in range(rng.randrange(0, 15))] + run + [rng.choice(alphabet)]
        two = [rng.choice(alphabet) for _ in range(rng.randrange(0, 15))] + run
        prints = [fingerprint(Tokens(tuple(t), tuple((i, i + 1) for i in range(len(t))), ((0, len(t)),)), k,
                              window) for t in (one, two)]
        assert prints[0].hashes & prints[1].hashes


# ---------------------------------------------------------------------------- index against all pairs
def _direct_scores(release, subs, params):
    """Every pair's score from its definition (module docstring of similarity.compare), pair by pair."""
    given = given_code(release, params)
    cells = {s.student: prepare(release, s, params, given) for s in subs}
    cap = common_cap(params, len(subs))
    scores = {}
    for a, b in itertools.combinations(sorted(cells), 2):
        matches = shared_idioms = size = 0
        for answer in release.cells:
            one, two = cells[a].get(answer.key), cells[b].get(answer.key)
            hashes_a = one.prints.hashes if one else frozenset()
            hashes_b = two.prints.hashes if two else frozenset()
            for h in hashes_a & hashes_b:
                df = sum(h in c[answer.key].prints.hashes for c in cells.values() if answer.key in c)
                matches += df <= cap
                shared_idioms += df > cap
            size += len(hashes_a) + len(hashes_b)
        scores[a, b] = 2 * matches / (size - 2 * shared_idioms) if matches else 0.0
    return scores


@pytest.mark.parametrize("floor", [10, 3])
def test_the_index_scores_every_pair_as_computed_directly(floor):
    synthetic = similar_class.build(seed=9, n_variants=18, n_copies=3)
    release = read_release(str(ROOT / "exercises" / "gates"), "gates")
    subs = [Submission(s.name, s.answers) for s in synthetic.students]
    params = Parameters(common_floor=floor, top=10 ** 6)
    result = compare_submissions(release, subs, params)
    direct = _direct_scores(release, subs, params)
    listed = {(p.student_a, p.student_b): p.score for p in result.pairs}
    assert set(listed) == {pair for pair, score in direct.items() if score > 0}
    for pair, score in listed.items():
        assert score == pytest.approx(direct[pair], abs=1e-4), pair
        cells = {c.cell: c.score for c in next(p for p in result.pairs if (p.student_a, p.student_b) == pair).cells}
        assert all(0.0 <= v <= 1.0 for v in cells.values())
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs), reverse=True)


def test_bad_parameters_are_named():
    release = Release("a", (AnswerCell("c", "a", "c", ""),), frozenset())
    for bad, name in [(Parameters(k=0), "k"), (Parameters(threshold=1.5), "threshold"),
                      (Parameters(top=-1), "top"), (Parameters(window=2.5), "window")]:
        with pytest.raises(ValueError, match=f"^{name}: expected"):
            compare_submissions(release, [], bad)


# ------------------------------------------------------------------------------------------- output
class _Page(HTMLParser):
    """Tags, table headers, marks' text, and text outside tags of an HTML document."""

    def __init__(self):
        super().__init__()
        self.tags, self.th, self.marks, self.stack, self.text = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("br", "meta", "img", "hr", "input"):  # void elements: no end tag
            return
        self.stack.append(tag)
        if tag == "mark":
            self.marks.append("")

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if "mark" in self.stack:
            self.marks[-1] += data


def _hostile_result():
    code = 'def f(x):\n    s = "</pre><script>alert(1)</script>" + str(x)\n    return x @ np.ones((3, 3)) + s\n'
    release = Release("a<b", (AnswerCell("c&d", "a", "c&d", "def f(x):\n    pass\n"),), frozenset({"np"}))
    subs = [Submission("<img src=x onerror=alert(1)>", {"c&d": code}), Submission("bob", {"c&d": code}),
            Submission("carol", {"c&d": "def f(x):\n    return -x\n"})]
    return compare_submissions(release, subs, Parameters(min_tokens=1))


def test_fragment_escapes_everything_and_has_real_headers_and_worded_marks():
    result = _hostile_result()
    assert len(result.flagged) == 1
    fragment = render_fragment(result, heading_level=2, id_prefix="sim1")
    page = _Page()
    page.feed(fragment)
    assert not page.stack, "unclosed tags"
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "img" not in tags
    assert "<img src=x onerror=alert(1)>" in "".join(page.text)      # shown as text
    assert tags.count("table") == tags.count("caption") == tags.count("thead") == 2
    headers = [a.get("scope") for t, a in page.tags if t == "th"]
    assert headers and set(headers) == {"col", "row"}
    assert page.marks and all(m.startswith("[match starts] ") and m.endswith(" [match ends]") for m in page.marks)
    assert any("alert(1)" in m for m in page.marks)                  # the copied line is marked
    ids = [a["id"] for _, a in page.tags if "id" in a]
    assert len(ids) == len(set(ids)) and all(i.startswith("sim1-") for i in ids)
    assert "nothing here accuses anyone" in fragment and "not accused" in fragment
    assert "<h2" in fragment and "<h3" in fragment
    text = render_table(result)
    assert "nothing here accuses anyone" in text and "yes" in text


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_marked_code_keeps_aa_contrast_in_light_and_dark_mode():
    fragment = render_fragment(_hostile_result())
    rules = re.findall(r"mark\.lsim-match \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6})", fragment)
    assert len(rules) == 2  # light, and dark inside prefers-color-scheme
    for background, colour in rules:
        light, dark = sorted([_luminance(background), _luminance(colour)], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (background, colour)
    assert "text-decoration: underline" in fragment  # not colour alone


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_page_passes_axe_offline_on_a_phone(browser, tmp_path, mode):
    from support.site_audit import PHONE, new_context, run_axe

    path = tmp_path / "similarity.html"
    path.write_text(render_page(_hostile_result()), encoding="utf-8")
    context = new_context(browser, mode, PHONE)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    violations = run_axe(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    context.close()
    assert requests == [path.as_uri()], requests
    assert not violations, violations
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
