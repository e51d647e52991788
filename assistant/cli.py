"""The ``assistant`` command line. Only this module and the UI turn errors into output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import AssistantError, InputError

EXIT_BAD_INPUT = 2


def _settings():  # noqa: ANN202
    from .settings import get_settings

    return get_settings()


def _emit(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _format_answer(ans) -> str:  # noqa: ANN001
    lines = [f"Q: {ans.question}", ""]
    if ans.abstained:
        lines.append(ans.answer)
        return "\n".join(lines)
    lines += [ans.answer, "", f"Label: {ans.label} — {ans.label_reason}", "", "Sources:"]
    for c in ans.citations:
        where = f"{c.title}" + (f" ({c.publisher})" if c.publisher else "")
        lines.append(f"  [{c.n}] {where} · {c.label} · {c.doc_id}[{c.start}:{c.end}]")
        lines.append(f"      “{' '.join(c.text.split())}”")
    if ans.corroboration is not None:
        lines += ["", f"Who else says so: {ans.corroboration.summary}"]
        for q in ans.corroboration.qualified_by:
            lines.append(f"  qualified by {q.publisher or q.doc_id} · {q.label} · {q.doc_id}[{q.start}:{q.end}]")
            lines.append(f"      “{' '.join(q.text.split())}”")
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    """`ingest`: add, update or remove documents, or rebuild the index."""
    from .ingest import ingest, rebuild

    settings = _settings()
    if args.rebuild:
        rebuild(settings)
    report = ingest([Path(p) for p in args.paths] or None, settings, progress=None if not args.json else False)
    named = {str(Path(p)) for p in args.paths if not Path(p).is_dir()}
    refused = [(p, r) for p, r in report.skipped if p in named]
    if args.json:
        _emit(report.to_json())
    else:
        print(report.summary())
        for path, reason in report.skipped:
            if (path, reason) not in refused:
                print(f"  skipped {path}: {reason}")
    if refused:
        # A file the user named could not be ingested: that is bad input, not a partial success.
        path, reason = refused[0]
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        reason = reason if reason.startswith(Path(path).name) else f"{path}: {reason}"
        raise InputError(f"{reason}{more}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """`ask`: answer one question, as text or JSON."""
    from .pipeline import Assistant, clean_question

    settings = _settings()
    for q in args.questions:  # refuse bad input before any heavy loading
        clean_question(q, settings.answer.max_question_chars)
    assistant = Assistant(settings)
    for q in args.questions:
        ans = assistant.ask(q)
        if args.json:
            _emit(ans.to_json())
        else:
            print(_format_answer(ans) + "\n")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    """`sources`: print the source card of each document."""
    from .cards import format_card
    from .index import Index

    index = Index.open(_settings())
    cards = [d.get("card") or {"doc_id": d["doc_id"], "title": d["doc_id"]} for d in index.catalog.docs]
    if args.json:
        for card in cards:
            _emit(card)
        return 0
    for card in cards:
        print(format_card(card) + "\n")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    """`trace`: find the passages a claim rests on and say whether they support it."""
    from .trace import clean_claim, trace

    for claim in args.claims:  # refuse bad input before any heavy loading
        clean_claim(claim)
    if args.top_k <= 0:
        raise InputError(f"--top-k must be greater than 0, got {args.top_k}.")
    from .index import Index

    index = Index.open(_settings())
    for claim in args.claims:
        result = trace(claim, index, args.top_k)
        if args.json:
            _emit(result.to_json())
            continue
        print(f"Claim: {result.claim}\nVerdict: {result.verdict.replace('_', ' ')}")
        for rank, m in enumerate(result.matches, start=1):
            print(f"  {rank}. {m.score:.2f} {m.verdict.replace('_', ' ')} · {m.title} · {m.label} · "
                  f"{m.doc_id}[{m.start}:{m.end}]")
            print(f"     “{' '.join(m.text.split())}”")
        print()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """`serve`: start the chat page."""
    from .ui import serve

    serve(_settings(), host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    p = argparse.ArgumentParser(prog="assistant", description="Grounded answers about spine and pain care, with citations.")
    sub = p.add_subparsers(dest="command", required=True)
    pi = sub.add_parser("ingest", help="index files and folders (default: the corpus folder)")
    pi.add_argument("paths", nargs="*", help="files or folders of .txt, .md, .html or .pdf")
    pi.add_argument("--rebuild", action="store_true", help="delete the index first and build it again")
    pi.add_argument("--json", action="store_true", help="print the summary as JSON")
    pi.set_defaults(func=cmd_ingest)
    pa = sub.add_parser("ask", help="answer questions with cited passages")
    pa.add_argument("questions", nargs="+", help="one or more questions")
    pa.add_argument("--json", action="store_true", help="one JSON object per question, one per line")
    pa.set_defaults(func=cmd_ask)
    ps = sub.add_parser("sources", help="show each document's source card")
    ps.add_argument("--json", action="store_true", help="one JSON card per line")
    ps.set_defaults(func=cmd_sources)
    pt = sub.add_parser("trace", help="find the sentences in the documents that state a claim")
    pt.add_argument("claims", nargs="+", help="one or more claims (a sentence from anywhere)")
    pt.add_argument("--top-k", type=int, default=5, help="matches to show per claim (default 5)")
    pt.add_argument("--json", action="store_true", help="one JSON object per claim, one per line")
    pt.set_defaults(func=cmd_trace)
    pv = sub.add_parser("serve", help="start the chat page (Gradio) on this machine")
    pv.add_argument("--host", default=None, help="bind address (default 127.0.0.1, from settings)")
    pv.add_argument("--port", type=int, default=None, help="port (default 7860, from settings)")
    pv.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; bad input exits 2 with one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
