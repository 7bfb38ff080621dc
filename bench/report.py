"""The benchmark's verdict: one table of what was measured, then each target with its
number or ratio and PASS or FAIL. Reads the JSON that bench/run.py (one file per database),
bench/load.py, bench/imports.py (one file per database) and bench/concurrency.py wrote.
Exits non-zero if a target fails or a result is missing.

    .venv/bin/python -m bench.report [bench/results] [--only-import | --only-concurrency]
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.environment import RESULTS_DIR

DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

ARTICLE_PAGE_QUERIES = 8
ARTICLE_PAGE_RATIO = 1.5
WHOLE_THREAD_QUERIES = 8
WHOLE_THREAD_MICROSECONDS = 40
POSTING_QUERIES = 15
POSTING_RATIO = 1.5
QUEUE_QUERIES = 12
QUEUE_RATIO = 2.0
MEMORY_MB = 150
CACHED_SPEEDUP = 5.0
IMPORT_SECONDS = 60
IMPORT_MEMORY_MB = 300

LABELS = {
    ("admin_queue", "moderator"): "admin queue (pending), moderator",
    ("admin_queue", "superuser"): "admin queue (pending), superuser",
    ("article_page", "uncached"): "article page 1, cache off",
    ("article_page", "cached"): "article page 1, cache on",
    ("whole_thread", "uncached"): "whole thread ?cpage=all, cache off",
    ("post_comment", "view"): "post a comment (POST, logged in)",
    ("post_reply", "view"): "post a reply (POST, logged in)",
}


@dataclass
class Verdict:
    target: str
    by_database: dict  # database -> (passed: bool | None, text)


def load(folder: Path) -> tuple[dict, dict | None]:
    runs = {}
    for database in DATABASES:
        path = folder / f"{database}.json"
        if path.exists():
            runs[database] = json.loads(path.read_text())
    load_path = folder / "load.json"
    return runs, json.loads(load_path.read_text()) if load_path.exists() else None


def load_imports(folder: Path) -> dict:
    return {
        database: json.loads(path.read_text())
        for database in DATABASES
        if (path := folder / f"import-{database}.json").exists()
    }


SHAPES = {"recent": "recent tree", "uniform": "uniform tree"}


def find(
    run: dict, key: str, variant: str, n: int | None = None, shape: str = "recent"
) -> list[dict]:
    """The measurements of ``key`` and ``variant`` on articles of the reply tree
    ``shape`` (results from before the uniform shape have none: the recent one)."""
    return [
        m
        for m in run["measurements"]
        if m["key"] == key
        and m["variant"] == variant
        and (n is None or m["n"] == n)
        and m.get("shape", "recent") == shape
    ]


def one(run: dict, key: str, variant: str, n: int, shape: str = "recent") -> dict | None:
    found = find(run, key, variant, n, shape)
    return found[0] if found else None


def measurements_table(runs: dict) -> list[str]:
    databases = [database for database in DATABASES if database in runs]
    rows = {}
    for database in databases:
        for m in runs[database]["measurements"]:
            shape = m.get("shape", "recent")
            rows.setdefault((m["key"], m["variant"], shape, m["n"]), {})[database] = m
    head = f"{'measurement':<36} {'N':>8} {'shown':>6}"
    for database in databases:
        head += f" | {DATABASES[database]:^32}"
    sub = f"{'':<36} {'':>8} {'':>6}"
    for _ in databases:
        sub += f" | {'queries':>9} {'median ms':>10} {'min ms':>9}"
    lines = [head, sub, "-" * len(sub)]
    for (key, variant, shape, n), by_database in rows.items():
        shown = next(
            (m["comments_rendered"] for m in by_database.values() if m["comments_rendered"]),
            None,
        )
        label = LABELS.get((key, variant), key + " " + variant)
        if shape != "recent":
            label = label.replace(", cache", f", {shape}, cache")
        line = f"{label:<36} {n:>8,} "
        line += f"{shown if shown is not None else '':>6}"
        for database in databases:
            m = by_database.get(database)
            if m is None:
                line += f" | {'':>9} {'':>10} {'':>9}"
            else:
                queries = str(m["queries"])
                if m.get("transaction_statements"):
                    queries += f" ({m['transaction_statements']})"
                line += f" | {queries:>9} {m['median_ms']:>10.1f} {m['min_ms']:>9.1f}"
        lines.append(line)
    return lines


def _ratio(run, key, variant, small, large, shape="recent") -> tuple[float | None, str]:
    low, high = one(run, key, variant, small, shape), one(run, key, variant, large, shape)
    if low is None or high is None:
        return None, "not measured"
    ratio = high["median_ms"] / low["median_ms"]
    return ratio, (
        f"{ratio:.2f}x ({high['median_ms']:.1f} ms at {large:,} / "
        f"{low['median_ms']:.1f} ms at {small:,})"
    )


def _max_queries(run, key, variant, limit, shape="recent") -> tuple[bool | None, str]:
    found = find(run, key, variant, shape=shape)
    if not found:
        return None, "not measured"
    worst = max(found, key=lambda m: m["queries"])
    return worst["queries"] <= limit, f"max {worst['queries']} (N={worst['n']:,})"


def in_process_verdicts(runs: dict) -> list[Verdict]:
    verdicts = []

    def add(target, judge):
        by_database = {}
        for database, run in runs.items():
            try:
                by_database[database] = judge(run)
            except (KeyError, TypeError, ValueError) as error:
                by_database[database] = (False, f"missing: {error}")
        verdicts.append(Verdict(target, by_database))

    def sizes(run):
        ns = sorted({m["n"] for m in find(run, "article_page", "uncached")})
        return ns[0], ns[-1]

    def queue_sizes(run):
        ns = sorted({m["n"] for m in find(run, "admin_queue", "moderator")})
        return ns[0], ns[-1]

    for shape, tree in SHAPES.items():
        add(
            f"article page 1 (cache off), {tree}: <= {ARTICLE_PAGE_QUERIES} queries at every N",
            lambda run, shape=shape: _max_queries(
                run, "article_page", "uncached", ARTICLE_PAGE_QUERIES, shape
            ),
        )

        def article_ratio(run, shape=shape):
            ratio, text = _ratio(run, "article_page", "uncached", *sizes(run), shape)
            return (None if ratio is None else ratio <= ARTICLE_PAGE_RATIO), text

        add(
            f"article page 1 (cache off), {tree}: median largest/smallest N "
            f"<= {ARTICLE_PAGE_RATIO}x",
            article_ratio,
        )

        def first_page_comments(run, shape=shape):
            bound = run["first_page_bound"]
            found = find(run, "article_page", "uncached", shape=shape)
            if not found:
                return None, "not measured"
            shown = ", ".join(f"{m['comments_rendered'] or 0:,} at N={m['n']:,}" for m in found)
            worst = max(m["comments_rendered"] or 0 for m in found)
            return worst <= bound["comments"], (
                f"{shown} (bound {bound['comments']:,}: {bound['threads_per_page']} threads, "
                f"{bound['replies_per_level']} replies a level, {bound['levels']} level(s))"
            )

        add(f"article page 1, {tree}: comments shown <= the budget's bound", first_page_comments)

    def whole_uniform(run):
        m = one(run, "whole_thread", "uncached", sizes(run)[1], "uniform")
        if m is None:
            return None, "not measured"
        shown = m["comments_rendered"] or 0
        return None, (
            f"{shown:,} comments shown, {m['median_ms']:.0f} ms, {m['queries']} queries "
            f"(N={m['n']:,}; info)"
        )

    add("whole thread ?cpage=all, uniform tree at largest N: still whole", whole_uniform)

    def whole_queries(run):
        m = one(run, "whole_thread", "uncached", sizes(run)[1])
        return m["queries"] <= WHOLE_THREAD_QUERIES, f"{m['queries']} (N={m['n']:,})"

    add(f"whole thread at largest N: <= {WHOLE_THREAD_QUERIES} queries", whole_queries)

    def whole_speed(run):
        m = one(run, "whole_thread", "uncached", sizes(run)[1])
        if not m["comments_rendered"]:
            return False, 'no comment found on the page (bench/run.py looks for <li id="comment-)'
        per_comment = m["median_ms"] * 1000 / m["comments_rendered"]
        return per_comment <= WHOLE_THREAD_MICROSECONDS, (
            f"{per_comment:.0f} us/comment ({m['median_ms']:.0f} ms / "
            f"{m['comments_rendered']:,} shown)"
        )

    add(
        f"whole thread at largest N: <= {WHOLE_THREAD_MICROSECONDS} us per comment shown",
        whole_speed,
    )

    for kind in ("comment", "reply"):
        key = f"post_{kind}"
        add(
            f"post a {kind}: <= {POSTING_QUERIES} queries at every N",
            lambda run, key=key: _max_queries(run, key, "view", POSTING_QUERIES),
        )

        def posting_ratio(run, key=key):
            ratio, text = _ratio(run, key, "view", *sizes(run))
            return (None if ratio is None else ratio <= POSTING_RATIO), text

        add(f"post a {kind}: median largest/smallest N <= {POSTING_RATIO}x", posting_ratio)

    add(
        f"admin queue (moderator): <= {QUEUE_QUERIES} queries",
        lambda run: _max_queries(run, "admin_queue", "moderator", QUEUE_QUERIES),
    )

    def queue_counts(run):
        m = one(run, "admin_queue", "moderator", queue_sizes(run)[1])
        counts = [scan for scan in m["full_scans"] if scan["is_count"]]
        if not counts:
            return True, "none"
        return False, f"{len(counts)} COUNT reading the whole table (see below)"

    add("admin queue: no full-table count on each page load", queue_counts)

    def queue_ratio(run):
        ratio, text = _ratio(run, "admin_queue", "moderator", *queue_sizes(run))
        return (None if ratio is None else ratio <= QUEUE_RATIO), text

    add(f"admin queue: median over 100,000 / over 1,000 <= {QUEUE_RATIO}x", queue_ratio)

    def memory(run):
        m = run["memory"]
        return m["rss_peak_increase_mb"] < MEMORY_MB, (
            f"peak RSS +{m['rss_peak_increase_mb']:.0f} MB "
            f"(tracemalloc peak {m['tracemalloc_peak_mb']:.0f} MB)"
        )

    add(f"memory: one whole-thread request at largest N, peak RSS rise < {MEMORY_MB} MB", memory)

    def explain(run):
        if run["database"] != "postgresql":
            scans = _scans(run, ("article_page", "whole_thread", "admin_queue"))
            return None, f"{len(scans)} full scans (info; the target is PostgreSQL's)"
        scans = _scans(run, ("article_page", "whole_thread", "admin_queue"))
        seq = [s for s in scans if any("Seq Scan" in each for each in s["scans"])]
        return not seq, (
            "no Seq Scan on forum_comment"
            if not seq
            else f"{len(seq)} statements with a Seq Scan on forum_comment (see below)"
        )

    add("EXPLAIN: no Seq Scan on forum_comment (article page, whole thread, queue)", explain)
    return verdicts


def statement_growth(runs: dict, keys=("article_page", "post_comment", "post_reply")) -> list:
    """For each measurement, the statements that cost most at the largest N, next to the
    same statement at the smallest N (the same code runs, so they line up)."""
    lines = []
    for database, run in runs.items():
        for key in keys:
            variant = "uncached" if key == "article_page" else "view"
            found = sorted(find(run, key, variant), key=lambda m: m["n"])
            if len(found) < 2 or not found[-1].get("timed_statements"):
                continue
            small, large = found[0], found[-1]
            small_ms = [ms for _, ms in small["timed_statements"]]
            large_ms = [ms for _, ms in large["timed_statements"]]
            lines.append(
                f"- {DATABASES[database]}, {LABELS[(key, variant)]}: SQL {sum(small_ms):.1f} ms "
                f"at N={small['n']:,}, {sum(large_ms):.1f} ms at N={large['n']:,} "
                f"(median request {small['median_ms']:.1f} -> {large['median_ms']:.1f} ms)"
            )
            aligned = len(small_ms) == len(large_ms)
            for index in sorted(range(len(large_ms)), key=lambda i: -large_ms[i])[:3]:
                before = f"{small_ms[index]:.2f} -> " if aligned else ""
                sql = " ".join(large["timed_statements"][index][0].split())
                lines.append(f"    {before}{large_ms[index]:.2f} ms  {sql[:100]}")
    return lines


def _scans(run, keys) -> list[dict]:
    found = []
    for m in run["measurements"]:
        if m["key"] in keys:
            for scan in m["full_scans"]:
                found.append({**scan, "measurement": f"{m['key']} {m['variant']} N={m['n']:,}"})
    return found


def _load_average(results: dict) -> str:
    """The machine's load average (1 minute) at the start and end of a part: timings
    taken while something else ran are not comparable."""
    averages = results.get("load_average") or {}
    if "start" not in averages:
        return "load average not recorded"
    end = averages.get("end", averages["start"])
    return f"load average {averages['start'][0]:.1f} at start, {end[0]:.1f} at end"


def load_lines(load: dict | None) -> tuple[list[str], list[Verdict]]:
    if load is None:
        return ["(no results from bench/load.py)"], [
            Verdict("hot article under load", {"load": (False, "not run")})
        ]
    if "error" in load:
        return [f"FAILED: {load['error']}"], [
            Verdict("hot article under load", {"load": (False, load["error"][:200])})
        ]
    lines = [
        f"gunicorn {load['workers']} workers, wrk {load['connections']} connections for "
        f"{load['seconds']} s, anonymous readers; " + _load_average(load),
        f"{'article':<16} {'mode':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}",
    ]
    rps = {}
    errors = 0
    for run in load["runs"]:
        rps[(run["article"], run["mode"])] = run["rps"]
        errors += run["error_total"]
        lines.append(
            f"{run['article']:<16} {run['mode']:<9} {run['rps']:>8.1f} {run['p50_ms']:>8.1f} "
            f"{run['p99_ms']:>8.1f} {run['error_total']:>7}"
        )
    verdicts = []
    cached, uncached = (
        rps.get(("1,000 comments", "cached")),
        rps.get(("1,000 comments", "uncached")),
    )
    if cached and uncached:
        speedup = cached / uncached
        verdicts.append(
            Verdict(
                f"load: 1,000-comment article cached/uncached req/s >= {CACHED_SPEEDUP}x",
                {
                    "load": (
                        speedup >= CACHED_SPEEDUP,
                        f"{speedup:.1f}x ({cached:.0f} / {uncached:.1f} req/s)",
                    )
                },
            )
        )
    verdicts.append(Verdict("load: 0 errors", {"load": (errors == 0, f"{errors} errors")}))
    approval = load.get("approval", {})
    verdicts.append(
        Verdict(
            "load: comment approved during the run visible on the next request",
            {
                "load": (
                    bool(approval.get("visible_on_next_request")),
                    f"comment {approval.get('comment_id')}: "
                    + ("visible" if approval.get("visible_on_next_request") else "NOT visible"),
                )
            },
        )
    )
    return lines, verdicts


def concurrency_report(folder: Path) -> tuple[list[str], list[str], bool]:
    """bench/concurrency.py's summary line, and its target."""
    path = folder / "concurrency.json"
    results = json.loads(path.read_text()) if path.exists() else None
    if results is None:
        passed, summary, text = False, "(no results from bench/concurrency.py)", "not run"
    else:
        passed, summary = results["passed"], results["summary"]
        # A run that could not start has no problems listed, only its summary.
        text = "; ".join(results.get("problems", [summary])) or "all hold"
    out = ["Readers posting while the thread is closed (bench/concurrency.py)", summary]
    target = Verdict(
        "concurrency: posts stored once or clearly refused, none after the close, counts, flood",
        {"concurrency": (passed, text)},
    )
    target_lines, passed = verdict_lines([target], ["concurrency"])
    return out, target_lines, passed


def import_lines(imports: dict) -> list[str]:
    if not imports:
        return ["(no results from bench/imports.py)"]
    export = next(iter(imports.values()))["file"]
    statuses = ", ".join(
        f"{count:,} {status}" for status, count in export["comments_by_forum_status"].items()
    )
    lines = [
        f"The export: {export['bytes'] / 1e6:.0f} MB, {export['posts']:,} posts and pages "
        f"({export['articles']['published']:,} published, {export['articles']['draft']:,} "
        f"drafts, {export['closed_threads']:,} closed), {export['comments']:,} comments "
        f"({statuses}) + {sum(export['pingbacks'].values()):,} pingbacks and trackbacks "
        f"(skipped); largest threads "
        + ", ".join(f"{size:,}" for size in export["largest_threads"][:4])
        + f"; replies up to {export['max_depth']} deep ({export['comments_past_cap']:,} "
        "past the cap).",
        "manage.py import_wxr FILE in a process of its own, production settings; wall time "
        "(start-up included) and that process's peak resident set.",
        f"{'database':<12} {'run':<26} {'seconds':>8} {'peak MB':>8} {'exit':>5} "
        f"{'comments stored':>16}",
    ]
    for database, results in imports.items():
        for number, run in enumerate(results["runs"], start=1):
            label = "first" if number == 1 else "same file again"
            if run.get("profiled"):
                label += " (cProfile)"
            lines.append(
                f"{DATABASES[database]:<12} {label:<26} {run['seconds']:>8.1f} "
                f"{run['peak_rss_mb']:>8.0f} {run['returncode']:>5} "
                f"{run['stored']['comments_total']:>16,}"
            )
    for database, results in imports.items():
        lines.append(f"  {DATABASES[database]}: " + _load_average(results))
        first = results["runs"][0]
        output = (first["stdout"].strip() or first["stderr"].strip()).splitlines()[-8:]
        lines.extend(f"    | {line}" for line in output)
    return lines


def import_verdicts(imports: dict) -> list[Verdict]:
    """The import's targets, for each database; a database not run fails them all."""
    export = next(iter(imports.values()))["file"] if imports else None
    size = (
        f"{export['comments']:,} comments over {export['posts']:,} posts" if export else "comments"
    )
    stores, speed, memory, again = {}, {}, {}, {}
    for database in DATABASES:
        results = imports.get(database)
        if results is None:
            for verdicts in (stores, speed, memory, again):
                verdicts[database] = (False, "not run")
            continue
        first = results["runs"][0]
        problems = first["problems"]
        stored = first["stored"]
        stores[database] = (
            (False, "; ".join(problems))
            if problems
            else (
                True,
                f"{sum(stored['articles'].values()):,} articles, "
                f"{stored['comments_total']:,} comments, as in the file",
            )
        )
        failed = " (but the import failed)" if problems else ""
        speed[database] = (
            first["seconds"] <= IMPORT_SECONDS and not problems,
            f"{first['seconds']:.1f} s{failed}",
        )
        memory[database] = (
            first["peak_rss_mb"] <= IMPORT_MEMORY_MB and not problems,
            f"peak RSS {first['peak_rss_mb']:.0f} MB{failed}",
        )
        if len(results["runs"]) < 2:
            again[database] = (False, "not run (the first run did not finish)")
        else:
            second = results["runs"][1]
            again[database] = (
                not second["problems"] and not problems,
                f"{second['seconds']:.1f} s, peak RSS {second['peak_rss_mb']:.0f} MB"
                + (f"; {'; '.join(second['problems'])}" if second["problems"] else "")
                + failed,
            )
    return [
        Verdict("import: stores what the export holds (articles, statuses, threads)", stores),
        Verdict(f"import {size}: <= {IMPORT_SECONDS} s", speed),
        Verdict(f"import: peak memory <= {IMPORT_MEMORY_MB} MB", memory),
        Verdict("import the same file again: adds nothing (time: info)", again),
    ]


def verdict_lines(verdicts: list[Verdict], columns: list[str]) -> tuple[list[str], bool]:
    lines = []
    all_passed = True
    width = max(len(verdict.target) for verdict in verdicts)
    for verdict in verdicts:
        cells = []
        for column in columns:
            if column not in verdict.by_database:
                continue
            passed, text = verdict.by_database[column]
            word = "info" if passed is None else ("PASS" if passed else "FAIL")
            all_passed &= passed is not False
            label = DATABASES.get(column, "")
            cells.append(f"{word} {label + ': ' if label else ''}{text}")
        lines.append(f"{verdict.target:<{width}}  " + cells[0])
        lines.extend(f"{'':<{width}}  {cell}" for cell in cells[1:])
    return lines, all_passed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__)
    parser.add_argument("folder", type=Path, nargs="?", default=RESULTS_DIR)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--only-import", action="store_true", help="judge the import benchmark only")
    only.add_argument(
        "--only-concurrency", action="store_true", help="judge the concurrency test only"
    )
    options = parser.parse_args(argv)
    folder = options.folder
    imports = load_imports(folder)
    if options.only_import:
        return _print_verdict(*_import_report(imports))
    if options.only_concurrency:
        return _print_verdict(*concurrency_report(folder))
    runs, load_results = load(folder)
    out = []
    passed = True
    if missing := [DATABASES[d] for d in DATABASES if d not in runs]:
        out.append(f"MISSING in-process results for: {', '.join(missing)}")
        passed = False
    if runs:
        any_run = next(iter(runs.values()))
        out.append(
            f"In process (Django test client, DEBUG off): {any_run['warmups']} warm-ups, "
            f"median and min of {any_run['runs']} runs. Queries: every statement Django sent, "
            "as django_assert_max_num_queries counts them; in brackets, how many of them "
            "are BEGIN/COMMIT. Shown: comments on the page."
        )
        for run in runs.values():
            table = run["queue_table"]
            out.append(
                f"  {DATABASES[run['database']]}: queue table {table['comments']:,} comments, "
                f"{table['pending']:,} pending; EXPLAIN over {run['explained_over_rows']:,} rows; "
                + _load_average(run)
            )
        out.append("")
        out.extend(measurements_table(runs))
        out.append("")
    lines, load_verdicts = load_lines(load_results)
    out.append("Hot article (gunicorn + wrk, PostgreSQL, Redis)")
    out.extend(lines)
    out.append("")
    import_out, import_target_lines, import_passed = _import_report(imports)
    out.extend(import_out)
    out.append("")
    concurrency_out, concurrency_target_lines, concurrency_passed = concurrency_report(folder)
    out.extend(concurrency_out)
    out.append("")
    out.append("Targets")
    verdicts = in_process_verdicts(runs) if runs else []
    target_lines, in_process_passed = (
        verdict_lines(verdicts, list(DATABASES)) if verdicts else ([], False)
    )
    out.extend(target_lines)
    load_target_lines, load_passed = verdict_lines(load_verdicts, ["load"])
    out.extend(load_target_lines)
    out.extend(import_target_lines)
    out.extend(concurrency_target_lines)
    passed = passed and in_process_passed and load_passed and import_passed and concurrency_passed

    growth = statement_growth(runs)
    if growth:
        out.append("")
        out.append("Where the database time grows with N (statements of the counting warm-up)")
        out.extend(growth)

    scans = []
    for database, run in runs.items():
        for scan in _scans(run, ("article_page", "whole_thread", "admin_queue")):
            scans.append((database, scan))
    if scans:
        out.append("")
        out.append("Statements that read the whole comments table (EXPLAIN)")
        seen = set()
        for database, scan in scans:
            signature = (database, scan["sql"][:300])
            if signature in seen:
                continue
            seen.add(signature)
            out.append(
                f"- {DATABASES[database]}, {scan['measurement']}: {'; '.join(scan['scans'])}"
            )
            out.append(f"    SQL: {scan['sql'][:400]}")
            plan_lines = scan["plan"].splitlines()
            out.extend(f"    | {line}" for line in plan_lines[:16])
            if len(plan_lines) > 16:
                out.append(f"    | ... ({len(plan_lines) - 16} more lines)")
    return _print_verdict(out, [], passed)


def _import_report(imports: dict) -> tuple[list[str], list[str], bool]:
    """The import's table, and its target lines."""
    out = ["Import of a WordPress export (bench/imports.py)", *import_lines(imports)]
    target_lines, passed = verdict_lines(import_verdicts(imports), list(DATABASES))
    return out, target_lines, passed


def _print_verdict(out: list[str], target_lines: list[str], passed: bool) -> int:
    if target_lines:
        out = [*out, "", "Targets", *target_lines]
    out.append("")
    out.append("ALL TARGETS PASS" if passed else "SOME TARGETS FAIL")
    print("\n".join(out))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
