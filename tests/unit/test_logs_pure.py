"""Pure parts of the log panes: LogQL selectors and parsing, the bounded buffer, the seam guard,
an object's log target, level detection and line shortening."""

from __future__ import annotations

import pytest

from inference_console.catalog import builtin_kinds
from inference_console.safe_text import safe
from inference_console.sources.loki import logql
from inference_console.state.logs import LogBuffer, Origin, SeamGuard
from inference_console.ui.logtarget import log_target
from inference_console.widgets.log_view import LogView, level_of, pretty


def test_selector_uses_the_labels_loki_knows_else_the_pods():
    labels = {"serving.kserve.io/inferenceservice": "qwen", "pod-template-hash": "abc", "component": "predictor"}
    assert (
        logql.selector_for("llm-prod", labels, ["qwen-1"])
        == '{namespace="llm-prod", component="predictor", serving_kserve_io_inferenceservice="qwen"}'
    )
    assert (  # a label Loki lacks is left out, and the pods' names keep it to this object's pods
        logql.selector_for("llm-prod", labels, ["qwen-1"], known_labels={"namespace", "component"})
        == '{namespace="llm-prod", component="predictor", pod="qwen-1"}'
    )
    assert (
        logql.selector_for("llm-prod", labels, [], known_labels={"namespace", "component"})
        == '{namespace="llm-prod", component="predictor"}'
    )
    assert (
        logql.selector_for("ns", labels, ["a.b", "c"], known_labels={"namespace"})
        == '{namespace="ns", pod=~"a\\\\.b|c"}'
    )
    assert logql.selector_for("ns", None, ["only"]) == '{namespace="ns", pod="only"}'
    assert logql.quote('say "hi"\n') == '"say \\"hi\\"\\n"'


@pytest.mark.parametrize(
    "query,message",
    [
        ('{app="a"', "parse error at line 1, col 9: syntax error: unexpected $end"),
        ('{app="a"} |= nope', "parse error at line 1, col 14: syntax error: unexpected nope"),
        ('{app!="a"}', logql.EMPTY_MATCHER_ERROR),
        ('{app=~".*"}', logql.EMPTY_MATCHER_ERROR),
        ('{app="a"} |~ "("', "parse error : error parsing regexp"),
    ],
)
def test_parse_errors_read_like_lokis(query, message):
    with pytest.raises(logql.LogQLError) as err:
        logql.parse(query)
    assert str(err.value).startswith(message)


def test_pipeline_line_filters_parsers_and_label_filters():
    q = logql.parse('{app="a"} |= "GET" != "health" |~ "5\\\\d\\\\d" | logfmt | method="GET"')
    assert q.selects({"app": "a"}) and not q.selects({"app": "b"})
    assert q.keep("method=GET path=/v1 status=503")
    assert not q.keep("method=GET path=/healthz status=503")
    assert not q.keep("method=POST path=/v1 status=503 GET")
    j = logql.parse('{app="a"} | json | level="error"')
    assert j.keep('{"level": "error", "msg": "x"}') and not j.keep('{"level": "info"}')
    m = logql.parse_any('sum by (pod) (rate({app="a"} |= "x" [5m]))')
    assert isinstance(m, logql.MetricQuery) and m.sum_by == ("pod",) and m.range_seconds == 300


def test_level_filter_keeps_the_level_and_worse_in_every_format():
    q = logql.parse('{a="b"} ' + logql.level_filter("warn"))
    for line in ("level=error msg=x", '{"level":"warning"}', "WARNING: low disk", "[ERROR] boom"):
        assert q.keep(line), line
    for line in ("level=info ok", '{"level": "debug"}', "INFO: fine"):
        assert not q.keep(line), line
    assert logql.level_filter(None) == ""


def test_buffer_is_bounded_keeps_sequence_numbers_and_counts_drops():
    seen = []
    buf = LogBuffer("logs:t", capacity=5, on_change=seen.append)
    o = buf.intern(Origin("p", "c"))
    assert buf.intern(Origin("p", "c")) == o
    buf.extend([(i, o, f"l{i}") for i in range(8)])
    assert len(buf) == 5 and buf.dropped == 3 and buf.first_seq == 3 and buf.end_seq == 8
    assert buf.line(3)[2] == "l3" and buf.line(2) is None
    assert [t for _, _, t in buf.slice(6, 100)] == ["l6", "l7"]
    changes = buf.take_changes()
    assert changes.appended == 8 and changes.dropped == 3 and bool(changes) and len(seen) == 1
    for i in range(8, 20_000):  # compaction keeps it exact
        buf.extend([(i, o, f"l{i}")])
    assert [t for _, _, t in buf] == [f"l{i}" for i in range(19_995, 20_000)]
    small = LogBuffer("logs:u", capacity=4)
    small.extend([(10, o, "new")])
    assert small.prepend([(1, o, "a"), (2, o, "b"), (3, o, "c"), (4, o, "d")]) == 3
    assert [t for _, _, t in small] == ["b", "c", "d", "new"] and small.first_seq == -3
    assert small.prepend([(0, o, "z")]) == 0  # full: older history does not push out newer lines


def test_seam_guard_drops_repeats_at_the_seam_only():
    g = SeamGuard()
    assert g.admit(10, 0, "a") and g.admit(10, 0, "b") and g.admit(10, 1, "a")
    assert not g.admit(10, 0, "a") and not g.admit(9, 0, "old")
    assert g.admit(11, 0, "a") and g.newest == 11
    assert g.admit(5, 2, "another stream")  # streams are kept apart


def _kind(key):
    return next(k for k in builtin_kinds() if k.key == key)


def test_log_target_of_pods_and_owners():
    pod = {
        "metadata": {
            "name": "qwen-1",
            "namespace": "llm-prod",
            "labels": {"serving.kserve.io/inferenceservice": "qwen"},
        },
        "spec": {"containers": [{"name": "kserve-container"}, {"name": "queue-proxy"}]},
    }
    t = log_target(_kind("pods"), pod)
    assert (t.kind, t.pods, t.selector, t.containers) == ("Pod", ("qwen-1",), None, ("kserve-container", "queue-proxy"))
    isvc = {"metadata": {"name": "qwen", "namespace": "llm-prod"}}
    t = log_target(_kind("inferenceservices.serving.kserve.io"), isvc, [pod])
    assert t.selector == {"serving.kserve.io/inferenceservice": "qwen"} and t.pods == ("qwen-1",)
    dep = {"metadata": {"name": "web", "namespace": "llm-prod"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    assert log_target(_kind("deployments"), dep).selector == {"app": "web"}


@pytest.mark.parametrize(
    "line,level",
    [
        ("level=error msg=x", "error"),
        ('{"level":"WARNING","m":1}', "warn"),
        ("INFO:     started", "info"),
        ("Traceback (most recent call last):", "error"),
        ("torch.OutOfMemoryError: CUDA out of memory.", "error"),
        ("plain line", ""),
        ("DEBUG x", "debug"),
    ],
)
def test_level_detection(line, level):
    assert level_of(line) == level


def test_long_lines_are_shortened_with_a_marker_and_escaped():
    view = LogView(escape=lambda s: safe(s, limit=None), max_chars=20)
    shown = view.display_text("x" * 50 + "\x1b[2J")
    assert shown.startswith("x" * 20) and "+37 chars" in shown and "\x1b" not in shown
    assert pretty('{"a": [1, 2]}') == '{\n  "a": [\n    1,\n    2\n  ]\n}' and pretty("not json") is None


def test_seam_guard_admits_an_in_order_run_whole_and_drops_repeats():
    guard = SeamGuard()
    run = [(1, "a"), (2, "b"), (2, "c")]
    assert guard.admit_run(0, run) is run and guard.newest == 2
    assert guard.admit_run(0, [(2, "c"), (2, "d"), (3, "e")]) == [(2, "d"), (3, "e")]  # the seam: line by line
    assert guard.admit_run(0, [(1, "old")]) == [] and guard.admit_run(1, [(1, "x")]) == [(1, "x")]
    assert guard.admit_run(0, [(5, "z"), (4, "y")]) == [(5, "z")]  # out of order: line by line


def test_filter_scans_newest_first_in_steps_narrows_and_matches_new_lines():
    from inference_console.state.logs import LogFilter

    buf = LogBuffer("logs:f", capacity=50_000)
    o = buf.intern(Origin("p", "c"))
    buf.extend([(i, o, f"Status={500 if i % 10 == 0 else 200} n={i}") for i in range(30_000)])
    f = LogFilter(buf, "status=5")
    assert f.literal and f.step(10_000) == 1000 and f.matches[0] == 20_000 and not f.done
    while not f.done:
        f.step(10_000)
    assert f.matches == list(range(0, 30_000, 10))
    g = LogFilter(buf, "status=500 n=2", f)  # extends a finished literal filter: only its matches
    assert g.narrowed and len(g._candidates) == 3000  # noqa: SLF001
    g.step(100_000)
    assert g.matches[:2] == [20, 200] and all(buf.line(s)[2].lower().find("status=500 n=2") >= 0 for s in g.matches)
    buf.extend([(30_000, o, "STATUS=500 n=2x"), (30_001, o, "status=200")])
    assert g.appended(30_000, 30_002) == 1 and g.matches[-1] == 30_000
    r = LogFilter(buf, r"n=\d{5}$")  # a regex: case-blind, not narrowed
    assert not r.literal and not r.narrowed
    r.step(100_000)
    assert r.matches[0] == 10_000 and r.search("N=12345") and not r.search("n=1234")
    bad = LogFilter(buf, "(")  # not a regex: taken literally
    assert bad.literal and bad.search("a (b")


def test_tail_frames_decode_fast_and_odd_frames_take_the_general_path():
    import json

    from inference_console.sources.loki.client import decode_frame

    usual = {
        "streams": [
            {"stream": {"pod": "a", "container": "main"}, "values": [["1700000000000000001", "one"], ["2", "two"]]},
            {"stream": {"pod": "b"}, "values": []},
        ],
        "dropped_entries": [{"labels": {"pod": "a"}, "timestamp": "5"}, {"labels": {}, "timestamp": "6"}],
    }
    assert decode_frame(json.dumps(usual)) == (
        [({"pod": "a", "container": "main"}, [(1700000000000000001, "one"), (2, "two")]), ({"pod": "b"}, [])],
        2,
    )
    assert decode_frame(json.dumps(usual).encode()) == decode_frame(json.dumps(usual))
    # Structured metadata as a third value, a timestamp that is not a number, a label that is not a
    # string: the general path keeps what it can read.
    odd = {
        "streams": [
            {"stream": {"pod": "a", "n": 1}, "values": [["10", "x", {"trace": "t"}], ["bad", "y"], ["11", "z"]]}
        ]
    }
    assert decode_frame(json.dumps(odd)) == ([({"pod": "a", "n": "1"}, [(10, "x"), (11, "z")])], 0)
    assert decode_frame("{}") == ([], 0)
    assert decode_frame(json.dumps({"streams": None, "dropped_entries": None})) == ([], 0)
    assert decode_frame("[1, 2]") is None and decode_frame("not json") is None


async def test_log_view_rows_built_once_while_on_screen_and_drawn_as_textual_draws_them():
    import re

    from textual.app import App, ComposeResult
    from textual.widget import Widget

    class Pane(App[None]):
        def compose(self) -> ComposeResult:
            yield LogView(escape=lambda text: safe(text, limit=None))

    lines = [
        (1_700_000_000_000_000_000 + i, i % 2, f"level={'error' if i % 5 == 0 else 'info'} n={i}") for i in range(50)
    ]
    rows: list = list(lines[:30])
    app = Pane()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.set_rows(rows, ["pod-a", "pod-b"])
        await pilot.pause()
        built: list[int] = []
        render_line = view.render_line

        def counted(y: int):
            built.append(y)
            return render_line(y)

        view.render_line = counted  # type: ignore[method-assign]
        region = view.size.region

        def same_as_textual() -> None:
            fast = view.render_lines(region)
            view._styles_cache.clear()  # noqa: SLF001
            slow = Widget.render_lines(view, region)
            assert [s.text for s in fast] == [s.text for s in slow]
            assert [list(s) for s in fast] == [list(s) for s in slow]  # the same segments and styles

        same_as_textual()
        del built[:]
        first = view.render_lines(region)
        assert built == []  # nothing changed: every row from the kept strips
        rows.extend(lines[30:33])  # three lines arrive while following: the screen scrolls by three
        view.refresh_rows()
        second = view.render_lines(region)
        # The three new lines, and the row that was selected (no longer the newest) and the new newest.
        assert len(built) == 4, built
        assert second[0] is first[3] and second[-5] is first[-2]
        same_as_textual()
        # A key that moves the cursor without scrolling repaints the two rows it left and reached.
        await pilot.pause()
        view.move(-1)
        assert sorted(r.height for r in view._repaint_regions) == [1, 1]  # noqa: SLF001
        await pilot.pause()
        same_as_textual()
        view.move(1)
        await pilot.pause()
        same_as_textual()
        view.highlight = re.compile("n=3", re.IGNORECASE)
        view.wrap, view.show_time = True, False
        view.refresh_rows()
        same_as_textual()
        view.move(-4)
        same_as_textual()


async def test_filter_box_keystrokes_do_not_reflow_the_screen_and_long_text_still_scrolls():
    from textual.app import App, ComposeResult
    from textual.screen import Screen

    from inference_console.ui.screens.logs import _TypingBox

    class Box(App[None]):
        def compose(self) -> ComposeResult:
            yield _TypingBox(id="box")

    app = Box()
    async with app.run_test(size=(20, 5)) as pilot:
        await pilot.pause()
        layouts: list[int] = []
        reflow = Screen._refresh_layout

        def counted(screen, *args, **kwargs):
            layouts.append(1)
            return reflow(screen, *args, **kwargs)

        app.screen._refresh_layout = counted.__get__(app.screen)  # type: ignore[method-assign]
        await pilot.press(*"abcdefghijklmnopqrstuvwxyz0123")
        await pilot.pause()
        box = app.query_one(_TypingBox)
        assert box.value == "abcdefghijklmnopqrstuvwxyz0123"
        assert layouts == []  # Textual's Input reflowed the screen on every keystroke
        assert box.scroll_offset.x > 0  # the text is scrolled to keep the cursor in view


def test_log_view_cuts_long_pod_names_in_the_middle():
    """Pods of one object share a long prefix: the end (reader, hash) tells them apart."""
    view = LogView(escape=lambda text: text)
    view.origin_names = [
        "batch-stack-inference-stack-mistral-batch-5c7d8-x2k4p",
        "batch-stack-inference-stack-qwen-coder-6f9b1-q8r2z",
        "short",
    ]
    a, b, c = (view._label(i, 24) for i in range(3))  # noqa: SLF001
    assert len(a) == len(b) == len(c) == 24
    assert a.startswith("batch-s") and a.rstrip().endswith("-5c7d8-x2k4p") and "…" in a
    assert b.rstrip().endswith("-6f9b1-q8r2z") and a != b
    assert c == "short".ljust(24)
