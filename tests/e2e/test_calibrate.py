"""relaycheck --calibrate (issue 15): a labelled set whose right weights are known, built from
independent checks with fixed hit rates in ham and spam; the suggested scores, learnt on one
half, must rank the other half better than the configured ones (AUC, and spam caught with at
most 1% of the ham flagged). And the message formats: maildir, mbox, a message file, through
the module's Report header."""

import json
import math
import os
import random

from test_cli import run, write

# check: (rate in ham, rate in spam, score in the configuration below)
TRUTH = {
    "ptr_missing": (0.02, 0.55, 8),
    "ptr_generic": (0.01, 0.45, 3),         # strong, but scored low
    "helo_not_fqdn": (0.15, 0.40, 2),
    "spf_none": (0.40, 0.45, 1),
    "sender_domain_unresolvable": (0.20, 0.22, 3),   # nearly useless, but scored
    "helo_mismatch": (0.30, 0.32, 1),
    "dnsbl:bl.test": (0.005, 0.40, 5),
}
CONFIG = """[relaycheck]
reject_score = 12
[dnsbl bl.test]
score = 5
label = Test BL
"""


def messages(rng, n, spam):
    out = []
    for _ in range(n):
        hits = [c for c, (h, s, _) in TRUTH.items() if rng.random() < (s if spam else h)]
        out.append(hits)
    return out


def jsonl(hits_list):
    lines = []
    for i, hits in enumerate(hits_list):
        score = sum(TRUTH[c][2] for c in hits)
        checks = ",".join(f"{c}(+{TRUTH[c][2]})" for c in hits) or "none"
        log = (f"relaycheck: ip=192.0.2.{i % 250 + 1} score={score} action=accept "
               f"checks={checks} queries=3 time=1ms")
        lines.append(json.dumps({"input_line": i + 1, "ip": f"192.0.2.{i % 250 + 1}",
                                 "score": score, "log": log}))
    return "\n".join(lines) + "\n"


def auc(ham_scores, spam_scores):
    """The probability that a spam outscores a ham (ties count half)."""
    wins = 0.0
    for s in spam_scores:
        for h in ham_scores:
            wins += 1.0 if s > h else 0.5 if s == h else 0.0
    return wins / (len(spam_scores) * len(ham_scores))


def caught_at(ham_scores, spam_scores, max_ham=0.01):
    """The most spam caught by a threshold that flags at most max_ham of the ham."""
    best = 0.0
    for t in sorted(set(ham_scores + spam_scores)) + [max(ham_scores + spam_scores) + 1]:
        if sum(1 for h in ham_scores if h >= t) <= max_ham * len(ham_scores):
            best = max(best, sum(1 for s in spam_scores if s >= t) / len(spam_scores))
    return best


def test_calibration_ranks_held_out_messages_better(ctx):
    rng = random.Random(15)
    train_ham, train_spam = messages(rng, 1500, False), messages(rng, 1500, True)
    test_ham, test_spam = messages(rng, 1000, False), messages(rng, 1000, True)
    cfg = write(ctx, "c.ini", CONFIG)
    ham = write(ctx, "ham.jsonl", jsonl(train_ham))
    spam = write(ctx, "spam.jsonl", jsonl(train_spam))
    r = run(ctx, "--calibrate", "--config", cfg, "--ham", ham, "--spam", spam, "--json")
    assert r.returncode == 0, r
    v = json.loads(r.stdout)
    assert v["ham"] == 1500 and v["spam"] == 1500, v
    scores = v["scores"]
    assert set(scores) == set(TRUTH), scores
    for c, (h, s, cur) in TRUTH.items():
        assert v["checks"][c]["current"] == cur, (c, v["checks"][c])
        # the counts are the data's, the LR near the truth's, the score its deciban
        assert abs(v["checks"][c]["ham"] / 1500 - h) < 0.05, (c, v["checks"][c])
        want = 10 * math.log10(s / h)
        assert abs(scores[c] - want) <= 4, (c, scores[c], want)
    assert scores["ptr_generic"] > scores["helo_not_fqdn"] > scores["sender_domain_unresolvable"]

    def total(hits, sc):
        return sum(sc[c] for c in hits)

    current = {c: t[2] for c, t in TRUTH.items()}
    before = ([total(m, current) for m in test_ham], [total(m, current) for m in test_spam])
    after = ([total(m, scores) for m in test_ham], [total(m, scores) for m in test_spam])
    auc_before, auc_after = auc(*before), auc(*after)
    caught_before, caught_after = caught_at(*before), caught_at(*after)
    print(f"  AUC {auc_before:.4f} -> {auc_after:.4f}; spam caught at <=1% ham "
          f"{caught_before:.3f} -> {caught_after:.3f}")
    assert auc_after > auc_before + 0.005, (auc_before, auc_after)
    assert caught_after > caught_before + 0.02, (caught_before, caught_after)

    # the suggested reject_score flags at most --max-ham-rate of the training ham
    t = v["reject_score"]
    flagged = sum(1 for m in train_ham if total(m, scores) >= t)
    assert flagged <= 0.001 * 1500, (t, flagged)
    assert t == 1 or sum(1 for m in train_ham if total(m, scores) >= t - 1) > 0.001 * 1500, t
    rows = {row["threshold"]: row for row in v["thresholds"]}
    assert rows[t]["suggested"]["ham"] == flagged, rows[t]
    assert rows[12]["current"]["spam"] == sum(1 for m in train_spam if total(m, current) >= 12)

    # the same data in another order gives the same answer
    r2 = run(ctx, "--calibrate", "--config", cfg, "--spam", spam, "--ham", ham, "--json")
    assert json.loads(r2.stdout)["scores"] == scores

    # text: the table, the suggested sections, the threshold table
    r = run(ctx, "--calibrate", "--config", cfg, "--ham", ham, "--spam", spam,
            "--max-ham-rate", "0.01")
    assert r.returncode == 0, r
    out = r.stdout
    assert out.startswith("relaycheck calibrate: 1500 ham, 1500 spam\n"), out
    assert "\n[scores]\nptr_missing = " in out or "\nptr_missing = " in out, out
    assert "\n[dnsbl bl.test]\nscore = " in out, out
    assert "<- current reject_score" in out and "<- suggested reject_score" in out, out


def message(report, body="hello\n"):
    return (f"Return-Path: <a@example.net>\nReceived: from x by y\n"
            f"X-Relaycheck-Score: 13\nX-Relaycheck-Report: {report}\n"
            f"Subject: test\n\n{body}")


def test_calibrate_reads_maildir_mbox_and_files(ctx):
    cfg = write(ctx, "c.ini", CONFIG)
    spam_report = ("+8 Relay Host: No DNS PTR record (192.0.2.66)\n\t+5 DNSBL: listed on Test BL "
                   "(192.0.2.66: 127.0.0.2)\n\t+0 SPF: neutral (good.example)")
    ham_report = "+0 Relay Host: DNS PTR record forward-confirmed (mail.good.example)"
    md = ctx.path("Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub))
    for i in range(3):
        with open(os.path.join(md, "cur", f"{i}.host:2,S"), "w") as f:
            f.write(message(ham_report))
    with open(os.path.join(md, "new", "9.host"), "w") as f:
        f.write(message("+2 HELO: not a fully qualified domain name (foo: no dot)"))
    with open(os.path.join(md, "tmp", "x.host"), "w") as f:      # tmp/ is not read
        f.write(message(spam_report))
    mbox = write(ctx, "spam.mbox", "".join(
        f"From a@example.net Mon Mar  2 10:00:0{i} 2026\n" + message(spam_report, "hello\n>From x\n")
        for i in range(4)) + "From b@example.net Mon Mar  2 11:00:00 2026\nSubject: no report\n\nx\n")
    single = write(ctx, "one.eml", message("+3 Relay Host: generic/dynamic DNS PTR name (x)"))
    r = run(ctx, "--calibrate", "-c", cfg, "--ham", md, "--spam", mbox, single, "--json")
    assert r.returncode == 0, r
    v = json.loads(r.stdout)
    assert (v["ham"], v["spam"]) == (4, 5), v
    assert v["unchecked"] == {"ham": 0, "spam": 1}, v
    ch = v["checks"]
    assert ch["ptr_missing"]["ham"] == 0 and ch["ptr_missing"]["spam"] == 4, ch
    assert ch["dnsbl:bl.test"]["spam"] == 4 and ch["dnsbl:bl.test"]["current"] == 5, ch
    assert ch["helo_not_fqdn"] == {"ham": 1, "spam": 0, "lr": ch["helo_not_fqdn"]["lr"],
                                   "current": 2, "suggested": 0}, ch
    assert ch["ptr_generic"]["spam"] == 1, ch
    assert "spf_neutral" not in ch, ch              # +0 is no hit
    # few messages, a check on one side only: said in the text
    r = run(ctx, "--calibrate", "-c", cfg, "--ham", md, "--spam", mbox, single)
    assert "warning: fewer than 100 ham or spam messages" in r.stdout, r.stdout
    assert "(one side only)" in r.stdout, r.stdout


def test_calibrate_usage_and_errors(ctx):
    cfg = write(ctx, "c.ini", CONFIG)
    empty = write(ctx, "empty.jsonl", "")
    r = run(ctx, "--calibrate", "-c", cfg, "--ham", empty, "--spam", empty)
    assert r.returncode == 65 and "needs checked messages on both sides" in r.stderr, r
    r = run(ctx, "--calibrate", "-c", cfg, "--ham", ctx.path("nothing"), "--spam", empty)
    assert r.returncode == 66, r
    for args, message in [
            (["--calibrate", "--ham", "a"], "--calibrate needs --ham PATH... and --spam PATH..."),
            (["--ham", "a", "--ip", "192.0.2.1"],
             "--ham, --spam and --max-ham-rate go with --calibrate"),
            (["--calibrate", "--ham", "a", "--spam", "b", "--max-ham-rate", "1"],
             '--max-ham-rate: "1" is not a rate (0 up to 1, e.g. 0.001)'),
            (["--calibrate", "--summary"], "--calibrate does not go with --check-config, "
                                           "--summary, --batch, --replay or --report"),
            (["--calibrate", "--ham", "a", "--spam", "b", "--jobs", "2"],
             "--calibrate takes --ham, --spam, --max-ham-rate, --config and --json")]:
        r = run(ctx, *args)
        assert r.returncode == 64, (args, r)
        assert r.stderr == f"relaycheck: {message}\nTry 'relaycheck --help'.\n", (args, r.stderr)
