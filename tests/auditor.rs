//! The auditor, a model-based test in the style of TigerBeetle's: random sequences of commands
//! (declare, record, swap entry and exit, debt add, pay, offset, reverse, a command run again,
//! an id reused with other content, import of a small journal, good or with one bad
//! transaction last, and a crash of a writing command at a counted fault point, then the store
//! opened again) run against the real binary and against a small model of the ledger kept
//! here (`auditor/model.rs`, plain `Decimal` arithmetic, none of gasledger's code). After every
//! step `report balances --format csv` is exactly the model's; every few steps and at the end
//! `verify` passes, `reconcile --format json` finds no mismatch in what the model tracks, and
//! `report debts --format csv` is the model's.
//!
//! The model knows each command's postings (docs/concepts.md, "Each party's side": a swap entry
//! with its fee in kind rounded half-even per leg, a debt's four postings, a payment's four, an
//! offset's six, a reversal the exact opposite) and what must be refused (exit 2, nothing
//! changed): a payment, an offset or a reversal that takes off more than is owed at its date or
//! at a later one, an offset beyond its agreement's limit, a second reversal, a reversal dated
//! before what it reverses, an id recorded with other content, an undeclared account in
//! `record` or a journal, an account declared twice, a journal transaction that does not
//! balance (and with it the whole import).
//!
//! A crash (`GASLEDGER_TEST_CRASH_AT=NAME:N`, a point the command passes, docs/POWER-LOSS.md)
//! must end the command by SIGABRT; the ledger is then the one before the command or the one
//! after, as the point says, and for `head-applied` (either) the model takes whichever the
//! store shows, found by the command's id in `export`. Then the next command runs normally, often
//! the crashed one again.
//!
//! Deterministic: a fixed seed per case, nothing timed. `AUDITOR_CASES` (default 8) and
//! `AUDITOR_STEPS` (default 25) make it longer, `AUDITOR_SEED` starts from another seed (case
//! `k` uses seed + k). A failure prints its seed, the steps as generated and every command run
//! with what the model expected; `AUDITOR_SHRINK=1` also looks for a shorter sequence that fails
//! (greedy, one step left out at a time) and prints it.

mod common;
#[path = "auditor/model.rs"]
mod model;
#[path = "auditor/steps.rs"]
mod steps;

use common::{copy_dir, Ledger, Run};
use model::{Model, Outcome, COMMODITIES, PARTIES, PLAIN};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use steps::{Cmd, Ctx, Step, BLOCK_TXNS};

const CRASH_VAR: &str = "GASLEDGER_TEST_CRASH_AT";
const REOPEN_VAR: &str = "GASLEDGER_TEST_REOPEN_BYTES";
const SIGABRT: i32 = 6;
/// `verify`, `reconcile` and `report debts` after every so many steps, and after the last.
const CHECK_EVERY: usize = 5;
/// `reconcile` checks the model does not track: a swap period's imbalance against its
/// tolerance (random exits leave most periods outside it; the fee itself, `swap-fee`, is
/// tracked).
const UNTRACKED_CHECKS: [&str; 1] = ["swap"];
const DEFAULT_SEED: u64 = 0x0a0d_1702_2021;

/// What a crash at a point leaves (docs/POWER-LOSS.md, "Crashes, counted").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaves {
    Before,
    After,
    Either,
}

fn leaves(point: &str) -> Leaves {
    match point {
        "txn-appended" | "block-appended" | "block-sealed" | "ids-ahead" | "before-head"
        | "blocks-synced" | "reopening" => Leaves::Before,
        "head-applied" => Leaves::Either,
        "head-synced" | "anchor-moved" | "before-view" | "before-rename" => Leaves::After,
        other => panic!("no outcome known for the point {other}"),
    }
}

/// The points a new write of `k` transactions into a store of `stored` passes, and how many
/// times (as `GASLEDGER_TEST_COUNT_POINTS` counts them): one pass of `txn-appended` per
/// transaction, a full block's three points when it fills one, two renames (the anchor, the
/// balances view). An import run with sled reopened at every read
/// (`GASLEDGER_TEST_REOPEN_BYTES=1`, set only for a crash at `reopening`) reopens it at least
/// once before its head moves; a command's later reopenings may come after its commit (`pay`
/// reads what is owed once it is recorded), so only an import crashes there.
fn crash_points(cmd: &Cmd, stored: u64, k: u64) -> Vec<(&'static str, u64)> {
    let mut points = vec![
        ("txn-appended", k),
        ("ids-ahead", 1),
        ("before-head", 1),
        ("head-applied", 1),
        ("head-synced", 1),
        ("anchor-moved", 1),
        ("before-view", 1),
        ("before-rename", 2),
    ];
    let blocks = (stored + k) / BLOCK_TXNS - stored / BLOCK_TXNS;
    if blocks > 0 {
        points.extend([
            ("block-appended", blocks),
            ("block-sealed", blocks),
            ("blocks-synced", 1),
        ]);
    }
    if cmd.is_import() {
        points.push(("reopening", 1));
    }
    points
}

struct Settings {
    cases: u64,
    steps: usize,
    seed: u64,
    shrink: bool,
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: expected a number")),
        Err(_) => default,
    }
}

fn settings() -> Settings {
    Settings {
        cases: env_number("AUDITOR_CASES", 8),
        steps: env_number("AUDITOR_STEPS", 25) as usize,
        seed: env_number("AUDITOR_SEED", DEFAULT_SEED),
        shrink: env_number("AUDITOR_SHRINK", 0) > 0,
    }
}

/// The steps of the case with this seed: the same on every run.
fn generate(seed: u64, n: usize) -> Vec<Step> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    proptest::collection::vec(steps::step(), n..=n)
        .new_tree(&mut runner)
        .expect("a sequence of steps")
        .current()
}

/// The store every case starts from (copied): the commodities, the parties, each party's plain
/// accounts, the swap (fee per leg), the offset agreement and two debts under it; and the
/// model of it.
fn template() -> (Ledger, Model) {
    let l = Ledger::new();
    l.ok(&["init"]);
    for (code, scale) in COMMODITIES {
        let kind = if code == "mcm" { "volume" } else { "money" };
        let scale = scale.to_string();
        l.ok(&["commodity", "add", code, "--kind", kind, "--scale", &scale]);
    }
    for p in PARTIES {
        l.ok(&["party", "add", p, "--name", p]);
        for a in PLAIN {
            l.ok(&["account", "add", &format!("{p}:{a}")]);
        }
    }
    let fee = format!("{}%", model::FEE_PERCENT);
    let mut swap: Vec<&str> = common::SWAP_TM_IR_AZ.to_vec();
    swap.extend(["--fee", &fee, "--tolerance", "2%", "--fee-basis", "leg"]);
    l.ok(&swap);
    let limit = format!("{} USD", model::text(model::limit(), "USD"));
    l.ok(&[
        "agreement",
        "add",
        model::OFFSET,
        "--kind",
        "offset",
        "--debtor",
        model::OFFSET_DEBTOR,
        "--via",
        model::OFFSET_VIA,
        "--creditor",
        model::OFFSET_CREDITOR,
        "--commodity",
        model::OFFSET_COMMODITY,
        "--limit",
        &limit,
    ]);
    let mut m = Model::start();
    for cmd in steps::opening_debts() {
        l.ok(&cmd.args.iter().map(String::as_str).collect::<Vec<_>>());
        let Outcome::Applied(after, 1) = m.apply(&cmd.action) else {
            panic!("the model refuses {}", cmd.line());
        };
        m = *after;
    }
    (l, m)
}

/// What the cases did, for the summary.
#[derive(Debug, Default)]
struct Stats {
    /// Per command: (recorded, no-ops, refused).
    outcomes: BTreeMap<String, (u64, u64, u64)>,
    /// Per point: (crashes, those that left the ledger after).
    crashes: BTreeMap<String, (u64, u64)>,
    checks: u64,
}

struct Failure {
    step: usize,
    log: Vec<String>,
    message: String,
}

/// One case: a store copied from the template, the model, what ran.
struct Case<'a> {
    ledger: Ledger,
    model: Model,
    history: Vec<Cmd>,
    log: Vec<String>,
    stats: &'a mut Stats,
}

/// Where every case starts: the template's store and its model.
type Start = (Ledger, Model);

fn run_case(start: &Start, steps: &[Step], stats: &mut Stats) -> Result<(), Failure> {
    let ledger = Ledger::new();
    copy_dir(&start.0.db(), &ledger.db());
    let mut case = Case {
        ledger,
        model: start.1.clone(),
        history: Vec::new(),
        log: Vec::new(),
        stats,
    };
    let result = case.steps(steps);
    if std::env::var_os("AUDITOR_LOG").is_some() {
        eprintln!("{}", case.log.join("\n"));
    }
    result
}

impl Case<'_> {
    /// Each step, the balances after it, and every few steps the full check.
    fn steps(&mut self, steps: &[Step]) -> Result<(), Failure> {
        for (i, step) in steps.iter().enumerate() {
            let full = (i + 1) % CHECK_EVERY == 0 || i + 1 == steps.len();
            self.step(i, step)
                .and_then(|()| self.same_balances())
                .and_then(|()| if full { self.full_check() } else { Ok(()) })
                .map_err(|message| Failure {
                    step: i,
                    log: self.log.clone(),
                    message,
                })?;
        }
        Ok(())
    }

    fn ctx(&self, step: usize) -> Ctx<'_> {
        Ctx {
            model: &self.model,
            history: &self.history,
            step,
        }
    }

    fn step(&mut self, i: usize, step: &Step) -> Result<(), String> {
        match step {
            Step::Crash {
                inner,
                point,
                n,
                retry,
            } => self.crash(i, inner, (*point, *n), *retry),
            _ => {
                let cmd = self.ctx(i).resolve(step);
                self.exec(i, cmd)
            }
        }
    }

    /// Run `cmd` with `env`; a journal it imports is written first.
    fn run(&self, cmd: &Cmd, env: &[(&str, String)]) -> Run {
        let mut args = cmd.args.clone();
        if let Some((name, text)) = &cmd.file {
            let path = self.ledger.file(name, text);
            for a in args.iter_mut().filter(|a| *a == "FILE") {
                *a = common::arg(&path).to_string();
            }
        }
        let mut g = self.ledger.cmd().args(&args);
        for (k, v) in env {
            g = g.env(k, v);
        }
        g.run()
    }

    /// Run `cmd` normally: the exit status the model expects (0 recorded or a no-op, 2
    /// refused), and the model moves on when it was recorded.
    fn exec(&mut self, i: usize, cmd: Cmd) -> Result<(), String> {
        let expected = self.model.apply(&cmd.action);
        let run = self.run(&cmd, &[]);
        let (code, label) = match &expected {
            Outcome::Applied(_, n) => (0, format!("recorded, {n} new transaction(s)")),
            Outcome::NoOp => (0, "recorded before: nothing changes".to_string()),
            Outcome::Refused(why) => (2, format!("refused: {why}")),
        };
        self.log.push(format!(
            "{i:>3}  {}\n       model: {label}; store: exit {:?} {}",
            cmd.line(),
            run.code,
            run.stderr.trim()
        ));
        self.history.push(cmd.clone());
        if run.code != Some(code) || run.stderr.contains("panicked") {
            return Err(format!("expected exit {code} ({label}), got {run:#?}"));
        }
        let kind = match cmd.args[0].as_str() {
            "swap" | "debt" => cmd.args[..2].join(" "),
            _ => cmd.args[0].clone(),
        };
        let tally = self.stats.outcomes.entry(kind).or_default();
        match expected {
            Outcome::Applied(m, _) => {
                self.model = *m;
                tally.0 += 1;
            }
            Outcome::NoOp => tally.1 += 1,
            Outcome::Refused(_) => tally.2 += 1,
        }
        Ok(())
    }

    /// Crash a writing command at one of the points it passes; the ledger is then before or
    /// after it, as the point says; then, with `retry`, the same command again.
    fn crash(
        &mut self,
        i: usize,
        inner: &Step,
        (point, n): (u8, u16),
        retry: bool,
    ) -> Result<(), String> {
        let mut cmd = self.ctx(i).resolve(inner);
        let new = matches!(self.model.apply(&cmd.action), Outcome::Applied(_, k) if k > 0);
        if !new || !cmd.all_have_ids() {
            // Only a command that writes (with ids, to find it after) can crash mid-write.
            cmd = self.ctx(i).fallback();
        }
        let Outcome::Applied(after, k) = self.model.apply(&cmd.action) else {
            return Err(format!("the model refuses the fallback {}", cmd.line()));
        };
        let points = crash_points(&cmd, self.model.txn_count, k as u64);
        let (name, count) = points[usize::from(point) % points.len()];
        let nth = 1 + u64::from(n) % count;
        let at = format!("{name}:{nth}");
        let mut env = vec![(CRASH_VAR, at.clone())];
        if name == "reopening" {
            env.push((REOPEN_VAR, "1".to_string()));
        }
        let run = self.run(&cmd, &env);
        self.history.push(cmd.clone());
        self.log.push(format!(
            "{i:>3}  {CRASH_VAR}={at} {}\n       store: exit {:?}, signal {:?}",
            cmd.line(),
            run.code,
            run.signal
        ));
        let said = format!("fault injection: crash at {at}");
        if run.signal != Some(SIGABRT) || !run.stderr.contains(&said) {
            return Err(format!("expected a crash at {at} (SIGABRT), got {run:#?}"));
        }
        let recorded = match leaves(name) {
            Leaves::Before => false,
            Leaves::After => true,
            Leaves::Either => {
                let id = cmd.ids().into_iter().next().expect("a command with an id");
                self.exported_ids()?.contains(&id)
            }
        };
        self.log.push(format!(
            "       model: the ledger {} the command",
            if recorded { "after" } else { "before" }
        ));
        let tally = self.stats.crashes.entry(name.to_string()).or_default();
        tally.0 += 1;
        if recorded {
            tally.1 += 1;
            self.model = *after;
        }
        if retry {
            // What the crash left, before the command runs again (the step's own check
            // comes after).
            self.same_balances()?;
            self.exec(i, cmd)?;
        }
        Ok(())
    }

    /// The ids `export` shows.
    fn exported_ids(&self) -> Result<BTreeSet<String>, String> {
        let run = self.ledger.cmd().arg("export").run();
        if run.code != Some(0) {
            return Err(format!("export after a crash failed: {run:#?}"));
        }
        let mut ids = BTreeSet::new();
        for line in run.stdout.lines() {
            let Some((_, tags)) = line.split_once("  ; ") else {
                continue;
            };
            ids.extend(
                tags.split(", ")
                    .filter_map(|t| t.strip_prefix("id: "))
                    .map(|id| id.trim().to_string()),
            );
        }
        Ok(ids)
    }

    /// `report balances --format csv` is exactly the model's.
    fn same_balances(&self) -> Result<(), String> {
        let run = self.ledger.run(&["report", "balances", "--format", "csv"]);
        if run.code != Some(0) {
            return Err(format!("report balances failed: {run:#?}"));
        }
        let want = self.model.balances_csv();
        if run.stdout == want {
            return Ok(());
        }
        Err(format!(
            "the balances differ from the model's\n{}",
            diff(&run.stdout, &want)
        ))
    }

    /// `verify` passes; `reconcile` finds no mismatch the model tracks, and replays as many
    /// transactions as it holds; `report debts` is the model's.
    fn full_check(&mut self) -> Result<(), String> {
        self.stats.checks += 1;
        let v = self.ledger.run(&["verify"]);
        if v.code != Some(0) {
            return Err(format!("verify failed: {v:#?}"));
        }
        self.reconciled()?;
        let run = self.ledger.run(&["report", "debts", "--format", "csv"]);
        if run.code != Some(0) {
            return Err(format!("report debts failed: {run:#?}"));
        }
        let mut rows: Vec<String> = run.stdout.lines().skip(1).map(str::to_string).collect();
        rows.sort();
        let want = self.model.debts_rows();
        if rows != want {
            return Err(format!(
                "the debts differ from the model's\n{}",
                diff(&rows.join("\n"), &want.join("\n"))
            ));
        }
        Ok(())
    }

    fn reconciled(&self) -> Result<(), String> {
        let run = self.ledger.run(&["reconcile", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&run.stdout)
            .map_err(|e| format!("reconcile's JSON: {e}: {run:#?}"))?;
        let rows = json["checks"].as_array().cloned().unwrap_or_default();
        let field = |r: &serde_json::Value, k: &str| r[k].as_str().unwrap_or("").to_string();
        let failing: Vec<&serde_json::Value> =
            rows.iter().filter(|r| field(r, "status") != "ok").collect();
        let want_code = if failing.is_empty() { 0 } else { 1 };
        if run.code != Some(want_code) {
            return Err(format!(
                "reconcile: exit {want_code} expected, got {run:#?}"
            ));
        }
        if let Some(r) = failing
            .iter()
            .find(|r| !UNTRACKED_CHECKS.contains(&field(r, "check").as_str()))
        {
            return Err(format!("reconcile found a mismatch: {r}"));
        }
        let replayed = format!("{} transactions replayed", self.model.txn_count);
        let counted = rows
            .iter()
            .find(|r| field(r, "check") == "transaction-balance")
            .map(|r| field(r, "subject"));
        if counted.as_deref() != Some(replayed.as_str()) {
            return Err(format!(
                "reconcile: {counted:?}, the model holds {replayed}"
            ));
        }
        Ok(())
    }
}

/// The lines only in the store's output (`-`) and only in the model's (`+`).
fn diff(store: &str, model: &str) -> String {
    let a: BTreeSet<&str> = store.lines().collect();
    let b: BTreeSet<&str> = model.lines().collect();
    let mut out = String::new();
    for l in a.difference(&b) {
        out.push_str(&format!("  store only: {l}\n"));
    }
    for l in b.difference(&a) {
        out.push_str(&format!("  model only: {l}\n"));
    }
    if out.is_empty() {
        out = format!("  (the same lines in another order)\nstore:\n{store}\nmodel:\n{model}");
    }
    out
}

/// What a failure prints: the seed that replays it (`None` for a shrunk sequence, which no seed
/// generates), the steps up to the failing one, and every command run.
fn report(seed: Option<u64>, steps: &[Step], f: &Failure) -> String {
    let mut s = format!("auditor: failed at step {}: {}\n\n", f.step, f.message);
    if let Some(seed) = seed {
        s.push_str(&format!(
            "the case with seed {seed}; replay: AUDITOR_SEED={seed} AUDITOR_CASES=1 \
             AUDITOR_STEPS={} cargo test --test auditor -- --nocapture\n\n",
            steps.len()
        ));
    }
    s.push_str("steps as generated:\n");
    for (i, st) in steps.iter().enumerate().take(f.step + 1) {
        s.push_str(&format!("{i:>3}  {st:?}\n"));
    }
    s.push_str("\ncommands run (what the model expected, what the store did):\n");
    for l in &f.log {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// A shorter sequence that still fails: the steps up to the failing one, then each step left
/// out in turn while the case still fails.
fn shrink(start: &Start, steps: &[Step], f: Failure) -> (Vec<Step>, Failure) {
    let mut best: Vec<Step> = steps[..=f.step].to_vec();
    let mut failure = f;
    let mut stats = Stats::default();
    let mut i = best.len();
    while i > 0 {
        i -= 1;
        let mut fewer = best.clone();
        fewer.remove(i);
        if let Err(g) = run_case(start, &fewer, &mut stats) {
            best = fewer[..=g.step].to_vec();
            failure = g;
            i = i.min(best.len());
        }
    }
    (best, failure)
}

impl Stats {
    fn add(&mut self, other: Stats) {
        for (k, v) in other.outcomes {
            let t = self.outcomes.entry(k).or_default();
            *t = (t.0 + v.0, t.1 + v.1, t.2 + v.2);
        }
        for (k, v) in other.crashes {
            let t = self.crashes.entry(k).or_default();
            *t = (t.0 + v.0, t.1 + v.1);
        }
        self.checks += other.checks;
    }
}

/// Run the cases `0..cfg.cases` on `AUDITOR_THREADS` threads (2 unless set), each case on its
/// own store: the failures, by case.
fn run_cases(
    cfg: &Settings,
    start: &Start,
    stats: &Mutex<Stats>,
) -> BTreeMap<u64, (Vec<Step>, Failure)> {
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let failures = Mutex::new(BTreeMap::new());
    let threads = env_number("AUDITOR_THREADS", 2).max(1);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut mine = Stats::default();
                while !stop.load(Ordering::Relaxed) {
                    let case = next.fetch_add(1, Ordering::Relaxed);
                    if case >= cfg.cases {
                        break;
                    }
                    let steps = generate(cfg.seed.wrapping_add(case), cfg.steps);
                    if let Err(f) = run_case(start, &steps, &mut mine) {
                        stop.store(true, Ordering::Relaxed);
                        failures.lock().expect("failures").insert(case, (steps, f));
                    }
                }
                stats.lock().expect("stats").add(mine);
            });
        }
    });
    failures.into_inner().expect("failures")
}

#[test]
fn the_ledger_agrees_with_the_model_after_every_step() {
    let cfg = settings();
    let clock = Instant::now();
    let start = template();
    let stats = Mutex::new(Stats::default());
    let failures = run_cases(&cfg, &start, &stats);
    if let Some((case, (steps, f))) = failures.into_iter().next() {
        let seed = cfg.seed.wrapping_add(case);
        let mut text = report(Some(seed), &steps, &f);
        if cfg.shrink {
            let (fewer, g) = shrink(&start, &steps, f);
            text.push_str("\n\nshrunk (AUDITOR_SHRINK): a shorter sequence that fails\n");
            text.push_str(&report(None, &fewer, &g));
        }
        panic!("{text}");
    }
    let stats = stats.into_inner().expect("stats");
    eprintln!(
        "auditor: {} cases of {} steps in {:.1?}, {} full checks\n\
         commands (recorded, no-ops, refused): {:?}\n\
         crashes (point: count, of which after): {:?}",
        cfg.cases,
        cfg.steps,
        clock.elapsed(),
        stats.checks,
        stats.outcomes,
        stats.crashes
    );
}
