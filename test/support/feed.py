#!/usr/bin/env python3
# Feeds a capture to the CLI the way a person's shell would, for test/input.test.ts:
#   sigint   FILE N CMD...   write the pcap header and the first N records of FILE to the CLI's
#                            stdin (or to a FIFO named by $FEED_FIFO), wait until the CLI has taken
#                            every byte out of the pipe (FIONREAD is 0), then send it SIGINT.
#   epipe    FILE CMD...     write all of FILE to stdin of a shell pipeline (`... | head -1`) until
#                            the pipe breaks; reports how many bytes were taken.
#   progress FILE SECONDS TTY CMD...  feed FILE slowly over SECONDS with stderr on a pseudo-terminal
#                            (TTY=1) or a pipe (TTY=0); reports what stderr showed.
# Prints one JSON object: code, stdout, stderr, written.
import fcntl, json, os, pty, signal, struct, subprocess, sys, termios, time

def records(data):
    off, out = 24, []
    while off + 16 <= len(data):
        n = struct.unpack_from('<I', data, off + 8)[0]
        out.append(data[off:off + 16 + n]); off += 16 + n
    return data[:24], out

def pending(fd):
    return struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0'))[0]

mode, path = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
if mode == 'sigint':
    n, cmd = int(sys.argv[3]), sys.argv[4:]
    header, recs = records(data)
    fifo = os.environ.get('FEED_FIFO')
    # Our own pipe: its write end stays open until the CLI has exited, so no end of input can
    # race the signal (as tcpdump still holds the pipe when the shell sends SIGINT).
    r, w = (None, None) if fifo else os.pipe()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL if fifo else r, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if fifo:
        w = os.open(fifo, os.O_WRONLY)
    else:
        os.close(r)
    os.write(w, header + b''.join(recs[:n]))
    while pending(w) > 0:
        time.sleep(0.02)
    time.sleep(0.2)  # the CLI decodes what it took; the count is checked, not the time
    p.send_signal(signal.SIGINT)
    out, err = p.communicate()
    os.close(w)
    print(json.dumps({'code': p.returncode, 'stdout': out.decode(), 'stderr': err.decode(), 'written': n}))
elif mode == 'epipe':
    cmd = sys.argv[3:]
    r, w = os.pipe()
    p = subprocess.Popen(cmd, stdin=r, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(r)
    written = 0
    try:
        for i in range(0, len(data), 65536):
            written += os.write(w, data[i:i + 65536])
    except BrokenPipeError:
        pass
    os.close(w)
    out, err = p.communicate()
    print(json.dumps({'code': p.returncode, 'stdout': out.decode(), 'stderr': err.decode(), 'written': written}))
elif mode == 'progress':
    seconds, tty, cmd = float(sys.argv[3]), sys.argv[4] == '1', sys.argv[5:]
    header, recs = records(data)
    if tty:
        master, slave = pty.openpty()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
    else:
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(header); p.stdin.flush()
    steps = 10
    per = (len(recs) + steps - 1) // steps
    shown = b''
    for i in range(steps):
        p.stdin.write(b''.join(recs[i * per:(i + 1) * per])); p.stdin.flush()
        time.sleep(seconds / steps)
        if tty:
            while True:  # drain the terminal so the CLI never blocks on it
                import select
                r, _, _ = select.select([master], [], [], 0)
                if not r: break
                try: shown += os.read(master, 65536)
                except OSError: break
    p.stdin.close()
    out = p.stdout.read()
    if tty:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk: break
            shown += chunk
        p.wait()
        err = shown
    else:
        err = p.stderr.read(); p.wait()
    print(json.dumps({'code': p.returncode, 'stdout': out.decode(), 'stderr': err.decode('utf8', 'replace'), 'written': len(recs)}))
