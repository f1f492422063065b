//! The batch's shared memory budget. Parallel jobs multiply per-file
//! peaks (an 85 MB MP4 listing 15 million chunks peaks at 690 MiB; four at
//! once took 2.4 GiB), so a job count alone does not bound a batch. Each
//! file is admitted into processing only once an estimate of its memory
//! fits, together with the files already running, in one budget
//! (`--memory-budget`, 1 GiB by default); otherwise it waits.
//!
//! Admission is first come, first served: a large file waiting for room is
//! not overtaken by small ones forever. A file estimated above the whole
//! budget is charged the whole budget, so it runs alone instead of never.
//!
//! The estimate ([`estimate`]) is deliberately simple: a fixed 8 MiB, plus
//! 12 times the bytes of the file's metadata structures. That factor is
//! the worst ratio measured (a 64 MiB `moov` peaked at about 750 MB). For
//! MP4/MOV/HEIF the metadata is every top-level box but `mdat` (found by
//! reading the box headers); for other formats it is the whole file, so
//! large Matroska, AVI or MPEG-TS videos run one or two at a time.

use std::sync::{Condvar, Mutex, MutexGuard};

use mediascrub::{Format, Source};

/// One mebibyte.
pub const MIB: u64 = 1 << 20;

/// Fixed part of every estimate: buffers, the plan, findings.
const BASE: u64 = 8 * MIB;

/// Peak memory per byte of metadata structure (worst measured, rounded up).
const FACTOR: u64 = 12;

/// At most this many top-level MP4 boxes are read to size the metadata;
/// beyond, the whole file is counted.
const MAX_TOP_LEVEL_BOXES: u32 = 65_536;

/// A memory budget shared by the workers of a batch.
pub struct Budget {
    limit: u64,
    state: Mutex<State>,
    turn: Condvar,
}

#[derive(Default)]
struct State {
    /// Memory charged to the files being processed.
    used: u64,
    /// Ticket the next arrival gets.
    next_ticket: u64,
    /// Ticket admitted next.
    serving: u64,
}

/// The memory a running file is charged; returned when dropped.
pub struct Grant<'a> {
    budget: &'a Budget,
    cost: u64,
}

impl Budget {
    /// A budget of `limit` bytes (at least 1).
    pub fn new(limit: u64) -> Self {
        Budget {
            limit: limit.max(1),
            state: Mutex::new(State::default()),
            turn: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked mid-update cannot leave the counters
        // half-written: every update is one statement.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait until `cost` bytes (at most the whole budget) fit, in order of
    /// arrival, and charge them until the grant is dropped.
    pub fn acquire(&self, cost: u64) -> Grant<'_> {
        let cost = cost.clamp(1, self.limit);
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        while state.serving != ticket || state.used + cost > self.limit {
            state = self.turn.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.used += cost;
        state.serving += 1;
        drop(state);
        // The next in line may fit too.
        self.turn.notify_all();
        Grant { budget: self, cost }
    }
}

impl Drop for Grant<'_> {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        state.used -= self.cost;
        drop(state);
        self.budget.turn.notify_all();
    }
}

/// The memory processing `src` (detected as `format`) may take; see the
/// module documentation.
pub fn estimate(src: &dyn Source, format: Option<Format>) -> u64 {
    let metadata = match format {
        Some(Format::Mp4 | Format::Heif) => isobmff_metadata(src).unwrap_or(src.len()),
        _ => src.len(),
    };
    BASE.saturating_add(metadata.saturating_mul(FACTOR))
}

/// Bytes of the top-level ISO-BMFF boxes other than `mdat`, or `None` when
/// the headers do not chain up to the end of the file (the caller then
/// counts the whole file).
fn isobmff_metadata(src: &dyn Source) -> Option<u64> {
    let len = src.len();
    let (mut offset, mut metadata) = (0u64, 0u64);
    for _ in 0..MAX_TOP_LEVEL_BOXES {
        if offset == len {
            return Some(metadata);
        }
        let mut header = [0u8; 16];
        let n = if len - offset >= 16 { 16 } else { 8 };
        src.read_at(offset, header.get_mut(..n)?).ok()?;
        let [a, b, c, d, t0, t1, t2, t3, large @ ..] = header;
        let size = match u32::from_be_bytes([a, b, c, d]) {
            0 => len - offset,
            1 if n == 16 => u64::from_be_bytes(large),
            size => u64::from(size),
        };
        if size < 8 || size > len - offset {
            return None;
        }
        if [t0, t1, t2, t3] != *b"mdat" {
            metadata += size;
        }
        offset += size;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// Run `costs` on as many threads, each holding its grant a moment,
    /// and return the most memory ever charged at once.
    fn peak(limit: u64, costs: &[u64]) -> u64 {
        let budget = Arc::new(Budget::new(limit));
        let (now, peak) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let threads: Vec<_> = costs
            .iter()
            .map(|&cost| {
                let (budget, now, peak) = (budget.clone(), now.clone(), peak.clone());
                std::thread::spawn(move || {
                    let grant = budget.acquire(cost);
                    let charged = now.fetch_add(grant.cost, Ordering::SeqCst) + grant.cost;
                    peak.fetch_max(charged, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(grant.cost, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(budget.lock().used, 0);
        peak.load(Ordering::SeqCst)
    }

    #[test]
    fn the_batch_never_holds_more_than_the_budget() {
        // Four 690 MiB files under 1 GiB: one at a time.
        assert_eq!(peak(1024 * MIB, &[690 * MIB; 4]), 690 * MIB);
        // Small files all fit at once.
        let small = peak(1024 * MIB, &[10 * MIB; 8]);
        assert!((20 * MIB..=80 * MIB).contains(&small), "{small}");
        // Mixed: never over the budget.
        let mixed = [
            600 * MIB,
            300 * MIB,
            200 * MIB,
            500 * MIB,
            100 * MIB,
            400 * MIB,
        ];
        assert!(peak(1024 * MIB, &mixed) <= 1024 * MIB);
    }

    #[test]
    fn a_file_bigger_than_the_budget_runs_alone_instead_of_never() {
        assert_eq!(
            peak(100 * MIB, &[5000 * MIB, 10 * MIB, 5000 * MIB]),
            100 * MIB
        );
    }

    #[test]
    fn admission_is_first_come_first_served() {
        let budget = Arc::new(Budget::new(100));
        let first = budget.acquire(60);
        // A big request waits for room; a small one that arrives later
        // (and would fit now) must wait behind it. The two do not fit
        // together, so the order they finish in is the order of their
        // grants.
        let order = Arc::new(Mutex::new(Vec::new()));
        let spawn = |cost: u64, name: &'static str| {
            let (budget, order) = (budget.clone(), order.clone());
            std::thread::spawn(move || {
                let _grant = budget.acquire(cost);
                order.lock().unwrap().push(name);
            })
        };
        // Wait until each has taken its place in the queue (a fixed sleep
        // raced on a loaded machine).
        let queued = |tickets: u64| {
            while budget.lock().next_ticket < tickets {
                std::thread::sleep(Duration::from_millis(1));
            }
        };
        let big = spawn(90, "big");
        queued(2);
        let small = spawn(20, "small");
        queued(3);
        std::thread::sleep(Duration::from_millis(20));
        assert!(order.lock().unwrap().is_empty());
        drop(first);
        big.join().unwrap();
        small.join().unwrap();
        assert_eq!(*order.lock().unwrap(), ["big", "small"]);
    }

    fn boxed(kind: &[u8; 4], body_len: usize) -> Vec<u8> {
        let mut b = ((body_len + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.resize(body_len + 8, 0);
        b
    }

    #[test]
    fn mp4_estimates_count_the_boxes_not_the_media() {
        let mut file = boxed(b"ftyp", 16);
        file.extend(boxed(b"mdat", 4 * MIB as usize));
        file.extend(boxed(b"moov", 1000));
        let meta = 24 + 1008;
        assert_eq!(isobmff_metadata(&file), Some(meta));
        assert_eq!(estimate(&file, Some(Format::Mp4)), BASE + FACTOR * meta);
        // Other formats, or headers that do not chain: the whole file.
        assert_eq!(
            estimate(&file, Some(Format::Matroska)),
            BASE + FACTOR * file.len() as u64
        );
        file.truncate(file.len() - 1);
        assert_eq!(
            estimate(&file, Some(Format::Mp4)),
            BASE + FACTOR * file.len() as u64
        );
    }
}
