//! A file system that forgets what was not made durable, in the manner of LazyFS: every file
//! and folder lives in memory twice, as it is now and as its last `fsync` left it. A file's
//! contents (and size) become durable at an `fsync` or `fdatasync` of it; a folder's entries
//! (a new file's name, a rename, an unlink, a new folder) at an `fsync` of the folder.
//! `sync_file_range` never reaches a FUSE file system as a sync, so it counts for nothing here,
//! as its manual says it may count for nothing on a disk.
//!
//! A *power cut* is asked for at the Nth durability event (each `fsync`/`fdatasync` of a file
//! and each `fsync` of a folder, counted from when it is armed): that event fails, and so does
//! every operation after it, with EIO, as a disk that has lost power would answer. Then
//! [`PowerFs::reboot`] keeps only the durable state: folders reachable from the root through
//! their durable entries, each file with its durable contents (empty if never synced).

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyWrite, Request, WriteFlags,
};
use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

const TTL: Duration = Duration::ZERO;

enum Body {
    File {
        now: Vec<u8>,
        durable: Vec<u8>,
    },
    Dir {
        now: BTreeMap<OsString, u64>,
        durable: BTreeMap<OsString, u64>,
    },
}

struct Node {
    body: Body,
    perm: u16,
    mtime: SystemTime,
}

#[derive(Default)]
pub struct State {
    nodes: HashMap<u64, Node>,
    next_ino: u64,
    /// Durability events since the last `arm`.
    pub events: u64,
    /// The event that cuts the power, if armed.
    cut_at: Option<u64>,
    /// Whether the power is off: every operation fails.
    pub dead: bool,
    /// What each durability event was, in order (for messages).
    pub log: Vec<String>,
}

impl State {
    fn new_node(&mut self, body: Body, perm: u16) -> u64 {
        self.next_ino += 1;
        let ino = self.next_ino;
        self.nodes.insert(
            ino,
            Node {
                body,
                perm,
                mtime: SystemTime::now(),
            },
        );
        ino
    }

    fn attr(&self, ino: u64) -> Option<FileAttr> {
        let n = self.nodes.get(&ino)?;
        let (kind, size, nlink) = match &n.body {
            Body::File { now, .. } => (FileType::RegularFile, now.len() as u64, 1),
            Body::Dir { .. } => (FileType::Directory, 0, 2),
        };
        Some(FileAttr {
            ino: INodeNo(ino),
            size,
            blocks: size.div_ceil(512),
            atime: n.mtime,
            mtime: n.mtime,
            ctime: n.mtime,
            crtime: n.mtime,
            kind,
            perm: n.perm,
            nlink,
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        })
    }

    fn name_of(&self, ino: u64) -> String {
        for (parent, n) in &self.nodes {
            if let Body::Dir { now, durable } = &n.body {
                for (name, i) in now.iter().chain(durable.iter()) {
                    if *i == ino {
                        return format!("{}/{}", self.name_of(*parent), name.to_string_lossy());
                    }
                }
            }
        }
        if ino == 1 {
            String::new()
        } else {
            format!("(unlinked {ino})")
        }
    }

    /// Count a durability event; `false` if it is the one that cuts the power.
    fn event(&mut self, what: String) -> bool {
        self.events += 1;
        self.log.push(what);
        if self.cut_at == Some(self.events) {
            self.dead = true;
        }
        !self.dead
    }
}

/// The file system, shared between the FUSE session and the test that drives it.
#[derive(Clone)]
pub struct PowerFs(pub Arc<Mutex<State>>);

impl PowerFs {
    pub fn new() -> PowerFs {
        let mut s = State {
            next_ino: 1,
            ..State::default()
        };
        s.nodes.insert(
            1,
            Node {
                body: Body::Dir {
                    now: BTreeMap::new(),
                    durable: BTreeMap::new(),
                },
                perm: 0o755,
                mtime: SystemTime::now(),
            },
        );
        PowerFs(Arc::new(Mutex::new(s)))
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Copy a real folder in as `name` under the root, all of it durable.
    pub fn load(&self, from: &Path, name: &str) {
        let mut s = self.state();
        let ino = load_dir(&mut s, from);
        if let Some(Node {
            body: Body::Dir { now, durable },
            ..
        }) = s.nodes.get_mut(&1)
        {
            now.insert(name.into(), ino);
            durable.insert(name.into(), ino);
        }
    }

    /// Count durability events from zero, and cut the power at event `at` (if given).
    pub fn arm(&self, at: Option<u64>) {
        let mut s = self.state();
        s.events = 0;
        s.log.clear();
        s.cut_at = at;
    }

    /// Power back on with only what was durable.
    pub fn reboot(&self) {
        let mut s = self.state();
        let mut keep = HashMap::new();
        let mut stack = vec![1u64];
        while let Some(ino) = stack.pop() {
            let Some(mut n) = s.nodes.remove(&ino) else {
                continue;
            };
            match &mut n.body {
                Body::File { now, durable } => *now = durable.clone(),
                Body::Dir { now, durable } => {
                    *now = durable.clone();
                    stack.extend(durable.values().copied());
                }
            }
            n.mtime = SystemTime::now();
            keep.insert(ino, n);
        }
        s.nodes = keep;
        s.dead = false;
        s.cut_at = None;
    }
}

fn load_dir(s: &mut State, from: &Path) -> u64 {
    let mut entries = BTreeMap::new();
    let mut list: Vec<_> = std::fs::read_dir(from)
        .expect("read dir")
        .map(|e| e.expect("entry"))
        .collect();
    list.sort_by_key(|e| e.file_name());
    for e in list {
        let path = e.path();
        let ino = if path.is_dir() {
            load_dir(s, &path)
        } else {
            let bytes = std::fs::read(&path).expect("read file");
            s.new_node(
                Body::File {
                    now: bytes.clone(),
                    durable: bytes,
                },
                0o644,
            )
        };
        entries.insert(e.file_name(), ino);
    }
    s.new_node(
        Body::Dir {
            now: entries.clone(),
            durable: entries,
        },
        0o755,
    )
}

macro_rules! alive {
    ($s:expr, $reply:expr) => {
        if $s.dead {
            $reply.error(Errno::EIO);
            return;
        }
    };
}

impl PowerFs {
    fn add_entry(
        &self,
        parent: INodeNo,
        name: &OsStr,
        body: Body,
        perm: u16,
    ) -> Result<FileAttr, Errno> {
        let mut s = self.state();
        if s.dead {
            return Err(Errno::EIO);
        }
        let exists = match s.nodes.get(&parent.0).map(|n| &n.body) {
            Some(Body::Dir { now, .. }) => now.contains_key(name),
            _ => return Err(Errno::ENOENT),
        };
        if exists {
            return Err(Errno::EEXIST);
        }
        let ino = s.new_node(body, perm);
        if let Some(Node {
            body: Body::Dir { now, .. },
            mtime,
            ..
        }) = s.nodes.get_mut(&parent.0)
        {
            now.insert(name.to_os_string(), ino);
            *mtime = SystemTime::now();
        }
        s.attr(ino).ok_or(Errno::EIO)
    }

    fn remove_entry(&self, parent: INodeNo, name: &OsStr, dir: bool) -> Result<(), Errno> {
        let mut s = self.state();
        if s.dead {
            return Err(Errno::EIO);
        }
        let ino = match s.nodes.get(&parent.0).map(|n| &n.body) {
            Some(Body::Dir { now, .. }) => *now.get(name).ok_or(Errno::ENOENT)?,
            _ => return Err(Errno::ENOENT),
        };
        match s.nodes.get(&ino).map(|n| &n.body) {
            Some(Body::Dir { now, .. }) if dir && !now.is_empty() => return Err(Errno::ENOTEMPTY),
            Some(Body::Dir { .. }) if !dir => return Err(Errno::EISDIR),
            Some(Body::File { .. }) if dir => return Err(Errno::ENOTDIR),
            _ => {}
        }
        if let Some(Node {
            body: Body::Dir { now, .. },
            mtime,
            ..
        }) = s.nodes.get_mut(&parent.0)
        {
            now.remove(name);
            *mtime = SystemTime::now();
        }
        Ok(())
    }
}

impl Filesystem for PowerFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let s = self.state();
        alive!(s, reply);
        let found = match s.nodes.get(&parent.0).map(|n| &n.body) {
            Some(Body::Dir { now, .. }) => now.get(name).copied(),
            _ => None,
        };
        match found.and_then(|i| s.attr(i)) {
            Some(a) => reply.entry(&TTL, &a, Generation(0)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let s = self.state();
        alive!(s, reply);
        match s.attr(ino.0) {
            Some(a) => reply.attr(&TTL, &a),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<fuser::TimeOrNow>,
        _mtime: Option<fuser::TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut s = self.state();
        alive!(s, reply);
        let Some(n) = s.nodes.get_mut(&ino.0) else {
            return reply.error(Errno::ENOENT);
        };
        if let Some(m) = mode {
            n.perm = (m & 0o7777) as u16;
        }
        if let (Some(size), Body::File { now, .. }) = (size, &mut n.body) {
            now.resize(size as usize, 0);
            n.mtime = SystemTime::now();
        }
        match s.attr(ino.0) {
            Some(a) => reply.attr(&TTL, &a),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        let body = Body::Dir {
            now: BTreeMap::new(),
            durable: BTreeMap::new(),
        };
        match self.add_entry(parent, name, body, (mode & 0o7777) as u16) {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let body = Body::File {
            now: Vec::new(),
            durable: Vec::new(),
        };
        match self.add_entry(parent, name, body, (mode & 0o7777) as u16) {
            Ok(a) => reply.created(&TTL, &a, Generation(0), FileHandle(0), FopenFlags::empty()),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.remove_entry(parent, name, false) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.remove_entry(parent, name, true) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        _flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let mut s = self.state();
        alive!(s, reply);
        let ino = match s.nodes.get_mut(&parent.0).map(|n| &mut n.body) {
            Some(Body::Dir { now, .. }) => match now.remove(name) {
                Some(i) => i,
                None => return reply.error(Errno::ENOENT),
            },
            _ => return reply.error(Errno::ENOENT),
        };
        match s.nodes.get_mut(&newparent.0) {
            Some(Node {
                body: Body::Dir { now, .. },
                mtime,
                ..
            }) => {
                now.insert(newname.to_os_string(), ino);
                *mtime = SystemTime::now();
                reply.ok();
            }
            _ => reply.error(Errno::ENOENT),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: fuser::ReplyOpen) {
        let s = self.state();
        alive!(s, reply);
        if s.nodes.contains_key(&ino.0) {
            // Direct I/O: every read and write comes here, none waits in the kernel's cache.
            reply.opened(FileHandle(0), FopenFlags::FOPEN_DIRECT_IO);
        } else {
            reply.error(Errno::ENOENT);
        }
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let s = self.state();
        alive!(s, reply);
        match s.nodes.get(&ino.0).map(|n| &n.body) {
            Some(Body::File { now, .. }) => {
                let start = (offset as usize).min(now.len());
                let end = start.saturating_add(size as usize).min(now.len());
                reply.data(&now[start..end]);
            }
            _ => reply.error(Errno::EISDIR),
        }
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut s = self.state();
        alive!(s, reply);
        match s.nodes.get_mut(&ino.0) {
            Some(Node {
                body: Body::File { now, .. },
                mtime,
                ..
            }) => {
                let end = offset as usize + data.len();
                if now.len() < end {
                    now.resize(end, 0);
                }
                now[offset as usize..end].copy_from_slice(data);
                *mtime = SystemTime::now();
                reply.written(data.len() as u32);
            }
            _ => reply.error(Errno::EISDIR),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut s = self.state();
        alive!(s, reply);
        let what = format!(
            "{} {}",
            if datasync { "fdatasync" } else { "fsync" },
            s.name_of(ino.0)
        );
        if !s.event(what) {
            return reply.error(Errno::EIO);
        }
        if let Some(Node {
            body: Body::File { now, durable },
            ..
        }) = s.nodes.get_mut(&ino.0)
        {
            *durable = now.clone();
        }
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut s = self.state();
        alive!(s, reply);
        let what = format!("fsync folder {}/", s.name_of(ino.0));
        if !s.event(what) {
            return reply.error(Errno::EIO);
        }
        if let Some(Node {
            body: Body::Dir { now, durable },
            ..
        }) = s.nodes.get_mut(&ino.0)
        {
            *durable = now.clone();
        }
        reply.ok();
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let s = self.state();
        alive!(s, reply);
        let Some(Body::Dir { now, .. }) = s.nodes.get(&ino.0).map(|n| &n.body) else {
            return reply.error(Errno::ENOTDIR);
        };
        let mut all = vec![
            (ino.0, FileType::Directory, OsString::from(".")),
            (1, FileType::Directory, OsString::from("..")),
        ];
        for (name, i) in now {
            let kind = match s.nodes.get(i).map(|n| &n.body) {
                Some(Body::Dir { .. }) => FileType::Directory,
                _ => FileType::RegularFile,
            };
            all.push((*i, kind, name.clone()));
        }
        for (k, (i, kind, name)) in all.into_iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo(i), (k + 1) as u64, kind, &name) {
                break;
            }
        }
        reply.ok();
    }
}
