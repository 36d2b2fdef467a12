/// The workloads, as shell and Python scripts. Each takes the directory to work in as `$1`
/// and prints what the test compares: the same script runs on a local directory and on the
/// mount, and the outputs must be equal (times, modes, links and hashes included).
enum WorkloadScripts {
    /// What `find` prints of a tree: every non-directory with mode, type, link target, link
    /// count, mtime and size; directories with mode and, unless `$2` is `nodirtimes`, mtime;
    /// then the hash of every regular file.
    static let listing = """
        cd "$1"
        find . ! -type d -printf '%p %m %y %l %n %T@ %s\\n' | sort
        if [ "$2" = nodirtimes ]; then find . -type d -printf '%p %m\\n' | sort; else find . -type d -printf '%p %m %T@\\n' | sort; fi
        find . -type f -exec sha256sum {} + | sort -k 2

        """

    /// The source tree for tar and rsync: the repository's `Sources` plus what tar must carry
    /// besides plain files (`$1` the tree, `$2` the repository's Sources).
    static let makeTree = """
        set -e
        mkdir -p "$1" && cp -a "$2" "$1/Sources"
        cd "$1"
        ln -s Sources/MFSCore core-link
        ln -s /nonexistent/absolute dangling
        ln Sources/MFSCore/InodeID.swift hardlink.swift 2>/dev/null || ln "$(find Sources -name '*.swift' | head -1)" hardlink.swift
        mkdir -p modes/sticky && chmod 1777 modes/sticky
        echo secret > modes/private && chmod 600 modes/private
        echo tool > modes/setuid && chmod 4755 modes/setuid
        chmod 750 modes
        : > empty
        head -c 1048577 /dev/urandom > big.bin
        mkfifo fifo
        find . -exec touch -h -m -d '2001-02-03 04:05:06' {} +
        touch -m -d '1999-12-31 23:59:59' big.bin Sources/MFSCore
        touch -h -m -d '1998-01-01 00:00:00' core-link

        """

    static let tar = """
        set -e
        mkdir -p "$1/tar" && tar xpf "$2" -C "$1/tar"

        """

    /// git with fixed identities and dates, so the commit ids are the same in both runs.
    static let git = """
        set -e
        export HOME="$1" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t
        export GIT_COMMITTER_EMAIL=t@example.org GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
        mkdir -p "$1/git" && cd "$1/git"
        git init -q -b main .
        cp -r "$2" code
        git add -A && git commit -qm first
        for f in $(ls code | head -3); do echo change >> "code/$f"; done
        git mv code/$(ls code | tail -1) moved.swift
        git rm -q code/$(ls code | sed -n 4p)
        git commit -qam second
        git checkout -q -b side && echo side > side.txt && git add side.txt && git commit -qm third
        git checkout -q main && git merge -q --no-ff -m merge side
        git gc -q && git repack -adq
        git log --format='%H %s'
        git fsck --full --strict 2>&1 && echo fsck-ok
        git status --porcelain
        git ls-files | wc -l

        """

    /// sqlite3 in `$2` journal mode: transactions, an index, deletes, updates, VACUUM, then
    /// the integrity check and a hash of the dump (deterministic rows, so both runs agree).
    static let sqlite = """
        set -e
        db="$1/sq-$2.db"
        rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
        sqlite3 "$db" "PRAGMA journal_mode=$2; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t(b);"
        for i in $(seq 1 12); do
            sqlite3 "$db" "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<400)
                INSERT INTO t(b) SELECT printf('%d-%0200d', $i, x*x) FROM c; COMMIT;"
        done
        sqlite3 "$db" "DELETE FROM t WHERE a % 3 = 0; UPDATE t SET b = b || 'u' WHERE a % 5 = 0;"
        sqlite3 "$db" "VACUUM;"
        sqlite3 "$db" "PRAGMA integrity_check; SELECT count(*), sum(length(b)) FROM t;"
        sqlite3 "$db" .dump | sha256sum

        """

    /// rsync -aH (hard links too) onto the directory and back (`$2` the source tree, `$3` where it comes back).
    static let rsync = """
        set -e
        rsync -aH "$2/" "$1/rsync/"
        rsync -aH "$1/rsync/" "$3/"

        """

    /// fio's own check: every block written carries a crc32c that the read-back verifies.
    static let fio = """
        set -e
        cd "$1"
        common='--filename=fio.dat --size=8m --ioengine=psync --verify=crc32c --verify_fatal=1 --randrepeat=1 --output-format=terse'
        fio --name=randwrite --rw=randwrite --bs=16k --do_verify=1 $common > fio-randwrite.log && echo randwrite-verified
        fio --name=randrw --rw=randrw --bs=16k $common > fio-randrw.log && echo randrw-verified
        rm -f fio.dat

        """

    /// POSIX errors, by errno name, through Python's os module (a non-root user for EACCES and
    /// EPERM; `$2` a directory on another file system for EXDEV).
    static let errors = """
        set -e
        cd "$1" && rm -rf errors && mkdir errors && cd errors
        mkdir dir full && touch file full/x dir/inside && chmod 700 dir && chmod 644 file
        /usr/bin/python3 - "$2" <<'PY'
        import errno, os, sys
        other = sys.argv[1]
        def check(name, action):
            try:
                action()
                print(name, 'ok')
            except OSError as error:
                print(name, errno.errorcode[error.errno])
        check('enoent-open', lambda: open('nothing'))
        check('enoent-unlink', lambda: os.unlink('nothing'))
        check('enoent-rmdir', lambda: os.rmdir('nothing'))
        check('enoent-rename', lambda: os.rename('nothing', 'x'))
        check('enoent-parent', lambda: open('no/x', 'w'))
        check('eexist-mkdir', lambda: os.mkdir('dir'))
        check('eexist-mkdir-over-file', lambda: os.mkdir('file'))
        check('eexist-create-excl', lambda: os.open('file', os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        check('eexist-link', lambda: os.link('file', 'full/x'))
        check('eexist-symlink', lambda: os.symlink('t', 'file'))
        check('enotempty-rmdir', lambda: os.rmdir('full'))
        check('enotempty-rename-over', lambda: os.rename('dir', 'full'))
        check('eisdir-open-write', lambda: open('dir', 'w'))
        check('eisdir-rename-file-over-dir', lambda: os.rename('file', 'full'))
        check('eisdir-unlink-dir', lambda: os.unlink('full'))
        check('enotdir-mkdir', lambda: os.mkdir('file/x'))
        check('enotdir-open', lambda: open('file/x'))
        check('enotdir-rmdir-file', lambda: os.rmdir('file'))
        check('enotdir-rename-dir-over-file', lambda: os.rename('full', 'file'))
        check('enotdir-listdir', lambda: os.listdir('file'))
        check('einval-rename-into-itself', lambda: os.rename('full', 'full/sub'))
        check('exdev-rename', lambda: os.rename('file', os.path.join(other, 'moved')))
        check('exdev-link', lambda: os.link('file', os.path.join(other, 'linked')))
        PY
        for what in "listdir dir" "append file" "create full/new" "chmod file" "utime file" "rmdir-in full/x"; do
            setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - $what <<'PY'
        import errno, os, sys
        action, path = sys.argv[1], sys.argv[2]
        try:
            if action == 'listdir': os.listdir(path)
            elif action == 'append': open(path, 'a')
            elif action == 'create': open(path, 'w')
            elif action == 'chmod': os.chmod(path, 0o777)
            elif action == 'utime': os.utime(path, (0, 0))
            elif action == 'rmdir-in': os.unlink(path)
            print('nobody', action, path, 'ok')
        except OSError as error:
            print('nobody', action, path, errno.errorcode[error.errno])
        PY
        done

        """

    /// An unlinked file that is still open: readable and writable through its descriptor until
    /// it is closed (`$1` the directory). Prints its inode number last (`@inode N`).
    static let unlinked = """
        import hashlib, os, sys
        path = os.path.join(sys.argv[1], 'unlinked')
        data = bytes((i * 7 + 3) % 251 for i in range(3 * 1048576 + 17))
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data)
        os.fsync(fd)
        inode = os.fstat(fd).st_ino
        os.unlink(path)
        print('gone', not os.path.exists(path))
        print('links', os.fstat(fd).st_nlink)
        print('read-after-unlink', os.pread(fd, len(data), 0) == data)
        more = b'appended after the unlink' * 1000
        os.pwrite(fd, more, len(data))
        os.fsync(fd)
        print('written-after-unlink', os.pread(fd, len(more), len(data)) == more, os.fstat(fd).st_size)
        os.ftruncate(fd, 1000)
        print('truncated-after-unlink', os.fstat(fd).st_size, os.pread(fd, 2000, 0) == data[:1000])
        os.close(fd)
        print('@inode', inode)

        """

    /// Two mounts of one file system (`$1` writes, `$2` reads with its descriptor open): the
    /// reader sees in-place overwrites, appends and truncates at once (the master's notices),
    /// as with MooseFS's master. Prints how many 100 ms polls each took (0: at once).
    static let coherence = """
        import os, sys, time
        a, b = os.path.join(sys.argv[1], 'shared'), os.path.join(sys.argv[2], 'shared')
        def wait(test):
            for i in range(50):
                if test(): return i
                time.sleep(0.1)
            return 'never'
        with open(a, 'wb') as f: f.write(b'A' * 100000)
        reader = os.open(b, os.O_RDONLY)
        print('initial', os.pread(reader, 100000, 0) == b'A' * 100000)
        writer = os.open(a, os.O_WRONLY)
        os.pwrite(writer, b'B' * 100000, 0)
        os.fsync(writer)
        print('overwrite', wait(lambda: os.pread(reader, 100000, 0) == b'B' * 100000))
        os.pwrite(writer, b'C' * 5000, 100000)
        os.fsync(writer)
        print('append', wait(lambda: os.fstat(reader).st_size == 105000 and os.pread(reader, 5000, 100000) == b'C' * 5000))
        os.ftruncate(writer, 1000)
        print('truncate', wait(lambda: os.fstat(reader).st_size == 1000 and len(os.pread(reader, 100000, 0)) == 1000))
        os.ftruncate(writer, 0)
        print('truncate-to-zero', wait(lambda: os.fstat(reader).st_size == 0 and os.pread(reader, 10, 0) == b''))
        os.close(writer)
        os.close(reader)
        with open(b, 'wb') as f: f.write(b'from the second mount')
        with open(a, 'rb') as f: print('other-way', f.read() == b'from the second mount')

        """
}
