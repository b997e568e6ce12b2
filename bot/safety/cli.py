"""CLI pieces for safety: ``hearth spam train|eval`` and ``hearth bench filters``.

``spam_app`` is a Typer sub-app (mount it as ``spam``); :func:`bench_filters` is the body of
``hearth bench filters``. Heavy imports stay inside the commands so ``hearth --help`` is fast.
"""

from __future__ import annotations

import gc
import json
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

spam_app = typer.Typer(
    help="Train and evaluate the spam classifier (one message per line, UTF-8).",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@spam_app.command("train")
def train_command(
    ham: Path = typer.Option(..., "--ham", help="File of normal messages, one per line."),
    spam: Path = typer.Option(..., "--spam", help="File of spam messages, one per line."),
    out: Path | None = typer.Option(None, "--out", help="Write the trained model here."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Train the spam model the bot uses and optionally save it to a file."""
    from bot.safety.spam import SpamClassifier, SpamModelError, read_lines

    try:
        ham_lines = read_lines(ham, what="ham file")
        spam_lines = read_lines(spam, what="spam file")
        model = SpamClassifier(metadata={"source": f"{ham.name}+{spam.name}"})
        model.train(ham_lines, spam_lines)
        blob = model.to_bytes()
    except SpamModelError as exc:
        raise _fail(str(exc)) from None
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            tmp.write_bytes(blob)
            tmp.replace(out)  # never leave a half-written model behind
        except OSError as exc:
            raise _fail(f"cannot write model to {str(out)!r}: {exc.strerror}") from None
    summary = {
        "version": model.version,
        "n_ham": model.metadata["n_ham"],
        "n_spam": model.metadata["n_spam"],
        "bytes": len(blob),
        "out": str(out) if out else None,
    }
    if json_out:
        typer.echo(json.dumps(summary))
        return
    typer.echo(
        f"trained {summary['version']} on {summary['n_ham']} ham and {summary['n_spam']} spam"
        + (f"; wrote {len(blob) / 1024:.0f} KB to {out}" if out else "")
    )


@spam_app.command("eval")
def eval_command(
    ham: Path = typer.Option(..., "--ham", help="File of normal messages, one per line."),
    spam: Path = typer.Option(..., "--spam", help="File of spam messages, one per line."),
    folds: int = typer.Option(5, "--folds", min=2, max=50, help="Stratified folds."),
    seed: int = typer.Option(0, "--seed", help="Shuffle seed for the folds."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (f1, precision, recall…)."),
) -> None:
    """Stratified k-fold cross-validation of exactly the classifier the bot uses."""
    from bot.safety.evaluate import cross_validate
    from bot.safety.spam import SpamModelError, read_lines

    try:
        ham_lines = read_lines(ham, what="ham file")
        spam_lines = read_lines(spam, what="spam file")
        result = cross_validate(ham_lines, spam_lines, folds=folds, seed=seed)
    except SpamModelError as exc:
        raise _fail(str(exc)) from None
    if json_out:
        typer.echo(json.dumps(result.as_dict()))
        return
    typer.echo(f"f1        {result.f1:.4f}")
    typer.echo(f"precision {result.precision:.4f}")
    typer.echo(f"recall    {result.recall:.4f}")
    typer.echo(
        f"({result.folds} folds, n={result.n}: {result.n_ham} ham, {result.n_spam} spam, "
        f"{result.duplicates_dropped} duplicates dropped, threshold {result.threshold})"
    )


# --- exports ----------------------------------------------------------------------------

audit_app = typer.Typer(help="The audit log (every automatic and human action).",
                        no_args_is_help=True, add_completion=False)
crisis_app = typer.Typer(help="Crisis records (steps, updates, postmortem).",
                         no_args_is_help=True, add_completion=False)


def _community_id(config: object, given: str) -> str:
    """``console:demo`` as given, or a bare id resolved against the configured communities."""
    communities = getattr(config, "communities", {})
    if given in communities:
        return given
    matches = [cid for cid in communities if cid.split(":", 1)[-1] == given]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise _fail(f"community id {given!r} is ambiguous ({', '.join(sorted(matches))}); "
                    "write it with its platform prefix")
    return given


def _open_out(out: Path | None) -> tuple[object, Path | None]:
    if out is None:
        return sys.stdout, None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        return tmp.open("w", encoding="utf-8", newline=""), tmp
    except OSError as exc:
        raise _fail(f"cannot write {str(out)!r}: {exc.strerror}") from None


def _db_problem(exc: BaseException, url: str) -> str:
    from bot.storage.engine import explain

    text = explain(exc, url)
    if "no such table" in text or ("does not exist" in text and "relation" in text):
        text += "; run 'hearth db upgrade' first"
    return text


@audit_app.command("export")
def audit_export(
    community: str = typer.Option(..., "--community", help="Community id, e.g. dc:123 or "
                                  "console:demo (a bare id is matched against the config)."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
    fmt: str = typer.Option("", "--format", help="jsonl or csv (default: from --out's "
                            "extension, else jsonl)."),
    config: Path | None = typer.Option(None, "--config", "-c", help="Config TOML file."),
) -> None:
    """Export one community's audit log, oldest first (JSON Lines or CSV)."""
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    from bot.cli import load
    from bot.safety.export import write_audit
    from bot.storage.engine import DatabaseError, create_engine

    chosen = (fmt or (out.suffix.lstrip(".") if out is not None else "") or "jsonl").lower()
    if chosen not in ("jsonl", "csv", "json"):
        raise _fail(f"unknown format {chosen!r}; use jsonl or csv")
    chosen = "jsonl" if chosen == "json" else chosen
    cfg = load(config)
    community_id = _community_id(cfg, community)
    handle, tmp = _open_out(out)

    async def go() -> int:
        engine = create_engine(cfg.database.url)
        try:
            return await write_audit(engine, community_id, handle, chosen)  # type: ignore[arg-type]
        finally:
            await engine.dispose()

    try:
        count = asyncio.run(go())
    except DatabaseError as exc:
        raise _fail(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:  # unreachable server, schema not upgraded
        raise _fail(_db_problem(exc, cfg.database.url)) from None
    finally:
        if tmp is not None:
            handle.close()  # type: ignore[attr-defined]
    if tmp is not None and out is not None:
        tmp.replace(out)
        typer.echo(f"wrote {count} audit entries of {community_id} to {out}", err=True)


@crisis_app.command("export")
def crisis_export(
    crisis_id: int = typer.Argument(..., min=1, help="Crisis number (shown by /crisis)."),
    community: str = typer.Option(..., "--community", help="Community id, e.g. dc:123."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
    fmt: str = typer.Option("md", "--format", help="md (timeline) or json."),
    config: Path | None = typer.Option(None, "--config", "-c", help="Config TOML file."),
) -> None:
    """Export a crisis: timeline, steps, status updates and the postmortem."""
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    from bot.cli import load
    from bot.safety.export import ExportError, crisis_record, render_crisis
    from bot.storage.engine import create_engine

    if fmt not in ("md", "json"):
        raise _fail(f"unknown format {fmt!r}; use md or json")
    cfg = load(config)
    community_id = _community_id(cfg, community)
    settings = cfg.community(community_id)
    lang = settings.language if settings is not None else "en"

    async def go() -> dict:
        engine = create_engine(cfg.database.url)
        try:
            return await crisis_record(engine, community_id, crisis_id, settings=settings,
                                       lang=lang)
        finally:
            await engine.dispose()

    try:
        record = asyncio.run(go())
    except ExportError as exc:
        raise _fail(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:
        raise _fail(_db_problem(exc, cfg.database.url)) from None
    text = render_crisis(record, fmt)
    if out is None:
        typer.echo(text, nl=False)
        return
    handle, tmp = _open_out(out)
    try:
        handle.write(text)  # type: ignore[attr-defined]
    finally:
        handle.close()  # type: ignore[attr-defined]
    assert tmp is not None
    tmp.replace(out)
    typer.echo(f"wrote crisis #{crisis_id} of {community_id} to {out}", err=True)


# --- benchmark --------------------------------------------------------------------------

_SYLLABLES = ("ka", "zu", "mi", "tor", "ex", "lan", "qui", "bro", "fex", "yol", "dra", "vin",
              "sol", "pra", "nek", "ul", "ost", "rim", "gad", "sha")
_CJK = "福利返现投资赚钱稳赚兼职日结彩票博彩代理加群领取免费会员中奖注册充值提现收益"
_REAL_TERMS = (
    "free nitro", "airdrop", "claim reward", "seed phrase", "double your", "onlyfans",
    "guaranteed profit", "passive income", "crypto signals", "investment plan", "gift card",
    "whatsapp me", "dm me", "work from home", "casino bonus", "free robux", "加微信", "刷单",
    "兼职日结", "稳赚不赔", "免费领取", "заработок", "пассивный доход",
)
_EN_CHAT = (
    "good morning everyone", "anyone up for ranked tonight?", "lol that was close",
    "can someone review my PR?", "the docs are at docs.python.org", "thanks for the help!",
    "I think the bug is in the parser", "brb coffee", "what time is the event?",
    "gg wp", "my cat knocked over my drink again", "has anyone tried the new update?",
    "bitcoin dropped again lol", "I paid $40 for this keyboard", "see you tomorrow",
)
_ZH_CHAT = ("大家早上好", "今晚有人一起开黑吗", "这个bug我也遇到过", "谢谢大家的帮助",
            "周末去爬山吧", "请问怎么修改昵称", "哈哈哈笑死", "文档在官网上")
_RU_CHAT = ("всем привет", "кто играет сегодня?", "спасибо за помощь", "завтра будет дождь")
_SPAM_CHAT = ("free nitro at discord-gift.xyz claim now", "加微信领取福利 稳赚不赔",
              "guaranteed profit, dm me for the investment plan", "WIN BIG AT CASINO BONUS!!!",
              "заработок от 5000 в день пиши в лс", "join discord.gg/freestuff now @everyone")


def _pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def _bench_keywords(rng: random.Random) -> tuple[list[str], list[str]]:
    """1,000 terms: 700 whole-word (incl. real spam phrases), 300 substring (incl. CJK)."""
    whole = list(_REAL_TERMS)
    seen = set(whole)
    while len(whole) < 700:
        term = _pseudo_word(rng) if rng.random() < 0.8 else (
            f"{_pseudo_word(rng)} {_pseudo_word(rng)}")
        if term not in seen:
            seen.add(term)
            whole.append(term)
    sub: list[str] = []
    while len(sub) < 300:
        if rng.random() < 0.3:
            term = "".join(rng.choice(_CJK) for _ in range(rng.randint(2, 4)))
        else:
            term = _pseudo_word(rng) + rng.choice(("coin", "cash", "bet", "x"))
        if term not in seen:
            seen.add(term)
            sub.append(term)
    return whole, sub


def _bench_regexes(rng: random.Random) -> list[str]:
    """50 realistic admin patterns (wallets, phones, handles, obfuscated offers)."""
    base = [
        r"\b0x[0-9a-fA-F]{40}\b", r"\bT[1-9A-HJ-NP-Za-km-z]{33}\b",
        r"\b(?:bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}\b", r"\+?\d{1,3}[ -]?\(?\d{3}\)?[ -]?\d{3}-\d{4}",
        r"(?:t\.me|telegram\.me)/[A-Za-z0-9_+]{4,}", r"\bwhats ?app\b.{0,20}\d{6,}",
        r"free\s+\w+\s+giveaway", r"\b\d{2,3}\s*%\s*(?:daily|weekly|profit)",
        r"(?:dm|pm|inbox)\s+me\s+(?:for|to)\s+\w+", r"\bv\s*x\s*[:：]?\s*\w{5,}",
        r"[加＋+]\s*(?:微|薇|威)\s*(?:信|❤)", r"\bclaim\s+(?:now|here|your)\b",
        r"(?:https?://)?bit\.ly/\w+", r"\bq{1,2}\s*[:：]\s*\d{6,}",
    ]
    items = ("nitro", "robux", "usdt", "btc", "eth", "skins", "followers", "likes", "crypto",
             "tokens", "vbucks", "giftcards", "accounts", "logs", "cvv", "pills", "loans",
             "bonus", "spins", "views")
    while len(base) < 50:
        item = rng.choice(items)
        form = rng.randrange(3)
        if form == 0:
            base.append(rf"\b(?:buy|sell|cheap)\s+{item}\b")
        elif form == 1:
            base.append(rf"\bfree\s+{item}\s+(?:here|now|today)\b")
        else:
            base.append(rf"\b{item}\s*(?:giveaway|airdrop|drop)\s+(?:live|now)\b")
    return base[:50]


def _bench_messages(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(member, channel, text): mostly short chat, some long posts, a little spam."""
    messages = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.55:
            text = rng.choice(_EN_CHAT)
        elif roll < 0.75:
            text = rng.choice(_ZH_CHAT)
        elif roll < 0.82:
            text = rng.choice(_RU_CHAT)
        elif roll < 0.87:
            text = rng.choice(_SPAM_CHAT)
        elif roll < 0.92:
            text = " ".join(rng.choice(_EN_CHAT) for _ in range(rng.randint(3, 8)))
        elif roll < 0.97:
            text = rng.choice(_EN_CHAT) + " " + "😂" * rng.randint(1, 12)
        elif roll < 0.99:
            text = " ".join(rng.choice(_EN_CHAT + _ZH_CHAT) for _ in range(rng.randint(15, 40)))
        else:
            text = " ".join(rng.choice(_EN_CHAT) for _ in range(rng.randint(80, 140)))[:4000]
        if rng.random() < 0.05:
            text += f" <@{rng.randint(10**17, 10**18)}>"
        if rng.random() < 0.03:
            text += f" https://example{rng.randint(1, 9)}.com/page"
        member = f"dc:{rng.randint(1, 300)}"
        channel = f"dc:{rng.randint(1, 6)}"
        messages.append((member, channel, text))
    return messages


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def bench_filters(json_out: bool = False, *, messages: int = 20_000, seed: int = 7) -> dict:
    """Benchmark line-1 filters against a naive loop on the same messages, same run.

    Engine: normalisation + one Aho-Corasick automaton (1,000 terms) + one RE2 set
    (50 regexes) + all structural rules. Naive: lower-case, a Python loop of ``in`` checks
    (with a word-boundary ``re`` check for whole-word terms) and 50 ``re.search`` calls.
    The naive side gets no normalisation and no structural rules, so the ratio is
    conservative.
    """
    from bot.safety.config import SafetySettings
    from bot.safety.engine import FilterEngine

    rng = random.Random(seed)
    whole, sub = _bench_keywords(rng)
    regexes = _bench_regexes(rng)
    settings = SafetySettings.model_validate({
        "keywords": [
            {"id": "bench-whole", "terms": whole, "mode": "whole_word", "action": "delete"},
            {"id": "bench-sub", "terms": sub, "mode": "substring", "action": "hold"},
        ],
        "regexes": [{"id": f"bench-rx-{i}", "pattern": p, "action": "hold"}
                    for i, p in enumerate(regexes)],
        "links": {"deny_domains": ["grabify.link", "discord-gift.xyz"]},
    })
    engine = FilterEngine(settings)
    corpus = _bench_messages(rng, messages)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    times = [start + timedelta(milliseconds=500 * i) for i in range(len(corpus))]

    naive_whole = [(t, re.compile(r"\b" + re.escape(t) + r"\b")) for t in whole]
    naive_sub = list(sub)
    naive_rx = [re.compile(p, re.IGNORECASE) for p in regexes]

    def naive(text: str) -> int:
        lowered = text.lower()
        found = 0
        for term, bounded in naive_whole:
            if term in lowered and bounded.search(lowered):
                found += 1
        for term in naive_sub:
            if term in lowered:
                found += 1
        for rx in naive_rx:
            if rx.search(text):
                found += 1
        return found

    for (member, channel, text), at in zip(corpus[:500], times, strict=False):  # warm-up
        engine.check(text, member_id=member, channel_id=channel, at=at)
        naive(text)

    clock = time.perf_counter_ns
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection pause would land on a random message
    engine_ns: list[float] = []
    naive_ns: list[float] = []
    engine_flagged = naive_flagged = 0
    for (member, channel, text), at in zip(corpus, times, strict=True):
        t0 = clock()
        result = engine.check(text, member_id=member, channel_id=channel, at=at)
        t1 = clock()
        found = naive(text)
        t2 = clock()
        engine_ns.append(t1 - t0)
        naive_ns.append(t2 - t1)
        engine_flagged += bool(result.hits)
        naive_flagged += bool(found)

    if gc_was_enabled:
        gc.enable()
    p50 = _percentile(engine_ns, 0.50) / 1e6
    p99 = _percentile(engine_ns, 0.99) / 1e6
    naive_p50 = _percentile(naive_ns, 0.50) / 1e6
    naive_p99 = _percentile(naive_ns, 0.99) / 1e6
    report = {
        "messages": len(corpus),
        "keywords": engine.term_count,
        "regexes": len(regexes),
        "p50_ms": round(p50, 4),
        "p99_ms": round(p99, 4),
        "naive_p50_ms": round(naive_p50, 4),
        "naive_p99_ms": round(naive_p99, 4),
        "speedup": round(naive_p99 / p99, 2) if p99 else None,
        "speedup_p50": round(naive_p50 / p50, 2) if p50 else None,
        "engine_flagged": engine_flagged,
        "naive_flagged": naive_flagged,
        "targets": {"p99_ms": 0.2, "speedup": 50},
    }
    if not json_out:  # with --json the ``hearth bench filters`` command prints the report
        out = sys.stdout
        out.write(
            f"filters: {report['keywords']} keywords, {report['regexes']} regexes, structural "
            f"rules; {report['messages']} messages\n"
            f"  engine  p50 {report['p50_ms']:.4f} ms   p99 {report['p99_ms']:.4f} ms "
            f"(target p99 <= 0.2 ms)\n"
            f"  naive   p50 {report['naive_p50_ms']:.4f} ms   "
            f"p99 {report['naive_p99_ms']:.4f} ms\n"
            f"  speedup p99 {report['speedup']}x   p50 {report['speedup_p50']}x (target >= 50x)\n"
        )
    return report


