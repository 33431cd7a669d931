# Runs a command in a new pseudo-terminal (its own session, the terminal its controlling one, as a
# terminal emulator or sshd starts a shell) and relays: this process's stdin is typed into the
# terminal, the terminal's output is copied to this stdout. The end of stdin hangs the terminal
# up (its master is closed). Prints "session PID" on stderr first: the command leads a session
# and a process group of that number. Exits with the command's exit status.
import os
import pty
import select
import sys

pid, master = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
sys.stderr.write(f"session {pid}\n")
sys.stderr.flush()
inputs = [master, 0]
while master in inputs:
    ready, _, _ = select.select(inputs, [], [])
    if 0 in ready:
        data = os.read(0, 4096)
        if data:
            os.write(master, data)
        else:
            inputs = []
            os.close(master)
            break
    if master in ready:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every process that had the terminal open has closed it
            data = b""
        if not data:
            inputs.remove(master)
            break
        os.write(1, data)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
