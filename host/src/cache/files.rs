//! The cache directory's files: entries written whole, marked when used, the parts that runs
//! left when they ended mid-write, and the limit on the directory's size.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// How old a part of an entry must be to be taken for one a run left when it ended.
const STALE_PART: Duration = Duration::from_secs(600);

/// Writes `bytes` to a file of this process's in `dir` and renames it to `path`, so that no run
/// ever reads part of an entry; then keeps the directory within `limit` bytes.
pub(super) fn write_whole(dir: &Path, path: &Path, bytes: &[u8], limit: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let unique = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let part = path.with_extension(format!("part-{}-{unique}", std::process::id()));
    std::fs::write(&part, bytes)?;
    std::fs::rename(&part, path).inspect_err(|_| {
        std::fs::remove_file(&part).ok();
    })?;
    tidy(dir, limit);
    Ok(())
}

/// Marks the entry at `path` as just used, so that the size limit removes others first.
pub(super) fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().write(true).open(path) {
        file.set_modified(SystemTime::now()).ok();
    }
}

/// Removes the parts older than [`STALE_PART`] (no run writes that long), then, while the
/// entries take more than `limit` bytes, the one used longest ago.
fn tidy(dir: &Path, limit: u64) {
    let Ok(read) = std::fs::read_dir(dir) else { return };
    let mut entries = Vec::new();
    for file in read.flatten() {
        let Ok(meta) = file.metadata() else { continue };
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let name = file.file_name();
        let name = name.to_string_lossy();
        if name.contains(".part-") {
            if modified.elapsed().is_ok_and(|age| age > STALE_PART) {
                std::fs::remove_file(file.path()).ok();
            }
        } else if name.ends_with(".cwasm") {
            entries.push((modified, meta.len(), file.path()));
        }
    }
    let mut total: u64 = entries.iter().map(|e| e.1).sum();
    entries.sort_by_key(|e| e.0);
    for (_, len, path) in entries {
        if total <= limit {
            break;
        }
        if std::fs::remove_file(path).is_ok() {
            total -= len;
        }
    }
}
