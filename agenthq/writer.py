"""The one writer thread, with group commit: the writes queued while one transaction runs go
together into the next, each in its own savepoint, and are answered together after its
COMMIT. Sixteen clients posting at once then cost one commit and one wake-up of the event
loop per batch instead of one each, while each write still sees the ones before it, takes
its seq in queue order, fails alone (its savepoint rolls back) and is answered, and its
events published, only once it is durable."""

import asyncio
import concurrent.futures
import logging
import queue
import threading

log = logging.getLogger("agenthq")

# A batch is what queued during the previous transaction, up to this: bounded so that one
# burst cannot make a transaction (and the answers waiting on it) arbitrarily long.
MAX_BATCH = 64


class Item:
    """One write: fn(*args) in the writer's transaction, answered on loop through future."""

    __slots__ = ("fn", "args", "loop", "future", "result", "error", "waiting", "done")

    def __init__(self, fn, args, loop, future):
        self.fn, self.args, self.loop, self.future = fn, args, loop, future
        self.result = self.error = None
        self.waiting = 0
        self.done = False  # result or error is final

    def resolved_args(self):
        return [a.result() if isinstance(a, concurrent.futures.Future) else a for a in self.args]


class Writer:
    """run_batch(items) runs a batch in one transaction and sets each item's result or error
    (storage.Storage owns the transaction and its error handling)."""

    def __init__(self, run_batch, initializer):
        self._run_batch = run_batch
        self._initializer = initializer
        self._queue = queue.SimpleQueue()  # lists of items, in order; None stops the thread
        self._outboxes = {}  # loop -> items submitted in its current turn (_post)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="db-write", daemon=True)
        self._thread.start()

    def submit(self, fn, args):
        """An asyncio future of fn(*args)'s result. An argument that is a
        concurrent.futures.Future (work started on another pool, such as the post's Markdown)
        is replaced by its result: the write is queued by the thread that finishes it, so the
        request wakes the loop once, when the write is durable, not in between."""
        loop = asyncio.get_running_loop()
        item = Item(fn, args, loop, loop.create_future())
        pending = [a for a in args if isinstance(a, concurrent.futures.Future)]
        if not pending:
            self._post(loop, item)
            return item.future
        item.waiting = len(pending)
        for future in pending:
            future.add_done_callback(lambda done, item=item: self._ready(item, done))
        return item.future

    def _post(self, loop, item):
        """Queue item at the end of this turn of the loop, with the other writes the turn
        makes: one wake-up of the writer thread for them all. Each wake-up is a switch of
        threads (two on one core, with the interpreter lock), which cost a POST more than
        its SQL did; the delay is the rest of one turn, while the requests read in it run."""
        outbox = self._outboxes.get(loop)
        if outbox is None:
            outbox = self._outboxes[loop] = []
            loop.call_soon(self._flush, loop)
        outbox.append(item)

    def _flush(self, loop):
        outbox = self._outboxes.pop(loop, None)
        if outbox:
            self._queue.put(outbox)

    def _ready(self, item, done):
        if done.cancelled() or done.exception() is not None:
            with self._lock:
                first = item.waiting > 0
                item.waiting = 0
            if first:  # answered once, with the first failure
                item.error = done.exception() if not done.cancelled() else concurrent.futures.CancelledError()
                item.loop.call_soon_threadsafe(_settle, [item])
            return
        with self._lock:
            item.waiting -= 1
            last = item.waiting == 0
        if last:
            self._queue.put([item])

    def _run(self):
        self._initializer()
        held = []  # queued items beyond the last batch's bound, first in the next
        stopping = False
        while held or not stopping:
            if not held:
                got = self._queue.get()
                if got is None:
                    break
                held = got
            while len(held) < MAX_BATCH and not stopping:
                try:
                    got = self._queue.get_nowait()
                except queue.Empty:
                    break
                if got is None:
                    stopping = True
                else:
                    held.extend(got)
            batch, held = held[:MAX_BATCH], held[MAX_BATCH:]
            try:
                self._run_batch(batch)
            except BaseException as error:  # noqa: BLE001 - never leave a request unanswered
                log.error("the writer failed a batch of %d writes: %r", len(batch), error)
                for item in batch:
                    if not item.done:
                        item.error, item.done = error, True
            by_loop = {}
            for item in batch:
                by_loop.setdefault(item.loop, []).append(item)
            for loop, items in by_loop.items():
                try:
                    loop.call_soon_threadsafe(_settle, items)
                except RuntimeError:  # that loop is closed: nobody is waiting any more
                    pass

    def close(self):
        """Let queued writes finish, then stop the thread."""
        for loop in list(self._outboxes):
            self._flush(loop)
        self._queue.put(None)
        self._thread.join()


def _settle(items):
    for item in items:
        if item.future.done():  # its caller was cancelled meanwhile
            continue
        if item.error is not None:
            item.future.set_exception(item.error)
        else:
            item.future.set_result(item.result)
