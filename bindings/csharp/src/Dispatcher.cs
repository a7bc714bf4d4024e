// The per-client thread that serves Task-returning calls: it polls the native queue, completes
// the task waiting for each result by request id, and queues every other event for the
// application's own Client.Poll. It holds the native handle but not the Client, so a forgotten
// Client is still collected (its finalizer stops this thread, which then frees the handle).
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Rtm {

internal sealed class Dispatcher {
    sealed class Pending {
        internal readonly TaskCompletionSource<Event> Task =
            new TaskCompletionSource<Event>(TaskCreationOptions.RunContinuationsAsynchronously);
        internal bool FaultOnError;
    }

    readonly ClientHandle handle;
    readonly WeakReference<Client> owner;
    readonly Thread thread;
    // Guards everything below. Held across a request's native call and its registration, so
    // that the thread never sees a result before the task that waits for it is registered.
    readonly object sync = new object();
    readonly Dictionary<ulong, Pending> pending = new Dictionary<ulong, Pending>();
    readonly Queue<EventHandle> appQueue = new Queue<EventHandle>();
    bool appWakeup;
    bool closed;
    volatile bool stopping;
    volatile bool freeHandleOnExit;

    internal Dispatcher(ClientHandle handle, Client owner, bool wakeupPending) {
        this.handle = handle;
        this.owner = new WeakReference<Client>(owner);
        appWakeup = wakeupPending;
        thread = new Thread(Run);
        thread.IsBackground = true;
        thread.Name = "rtm-dispatcher";
        thread.Start();
    }

    // Makes a request and registers its task in one step. A synchronous failure throws (nothing
    // was sent); otherwise the task completes with the result event, or faults with its error
    // when faultOnError is set.
    internal Task<Event> Start(Func<ulong> request, bool faultOnError) {
        lock (sync) {
            if (closed)
                throw new RtmException(ErrorCode.Closed, "the client was disposed");
            ulong id = request();
            var p = new Pending();
            p.FaultOnError = faultOnError;
            pending.Add(id, p);
            return p.Task.Task;
        }
    }

    // A task for a request made earlier: its result may already wait in the application queue.
    internal Task<Event> Await(ulong requestId, Client client) {
        lock (sync) {
            if (closed)
                throw new RtmException(ErrorCode.Closed, "the client was disposed");
            if (pending.ContainsKey(requestId))
                throw new RtmException(ErrorCode.InvalidArgument,
                                       "request " + requestId + " already has a task waiting for it");
            var p = new Pending();
            EventHandle found = null;
            int n = appQueue.Count;
            for (int i = 0; i < n; i++) { // keep the others in their order
                EventHandle ev = appQueue.Dequeue();
                if (found == null && rtm_native.rtm_event_request_id(ev) == requestId)
                    found = ev;
                else
                    appQueue.Enqueue(ev);
            }
            if (found != null) {
                p.Task.SetResult(new Event(found, client));
                return p.Task.Task;
            }
            pending.Add(requestId, p);
            return p.Task.Task;
        }
    }

    // The application's poll once tasks are in use: the same contract as rtm_client_poll.
    internal Event Poll(int timeoutMs, Client client) {
        int start = Environment.TickCount;
        lock (sync) {
            while (true) {
                if (closed)
                    throw new RtmException(ErrorCode.Closed, "the client was disposed");
                if (appWakeup) {
                    appWakeup = false;
                    return null;
                }
                if (appQueue.Count > 0)
                    return new Event(appQueue.Dequeue(), client);
                if (timeoutMs == 0)
                    return null;
                if (timeoutMs < 0) {
                    Monitor.Wait(sync);
                } else {
                    int left = timeoutMs - unchecked(Environment.TickCount - start);
                    if (left <= 0)
                        return null;
                    Monitor.Wait(sync, left);
                }
            }
        }
    }

    internal void Wakeup() {
        lock (sync) {
            appWakeup = true;
            Monitor.PulseAll(sync);
        }
    }

    // Polls in slices rather than forever: a runtime that must stop the thread (AppDomain unload
    // on Mono, process exit) can only do so while it is out of native code.
    const int PollSliceMs = 1000;

    void Run() {
        while (!stopping) {
            EventHandle ev;
            try {
                ev = rtm_native.rtm_client_poll(handle, PollSliceMs);
            } catch (ObjectDisposedException) {
                break;
            }
            if (ev.IsInvalid) {
                ev.Dispose();
                continue;
            }
            Route(ev);
            ScrubStack(32);
        }
        Close();
        if (freeHandleOnExit)
            handle.Dispose();
    }

    // Mono scans thread stacks conservatively: references that Route leaves in the stack below
    // this thread's frames (the event, the task, its continuation and whatever that reaches)
    // would keep a forgotten client alive while the thread waits in native code, whose frames
    // do not overwrite them. Calling down over that region with zeroed frames drops them.
    struct Zeros {
#pragma warning disable 649
        long z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, z10, z11, z12, z13, z14, z15;
        long z16, z17, z18, z19, z20, z21, z22, z23, z24, z25, z26, z27, z28, z29, z30, z31;
#pragma warning restore 649
        internal long Sum() {
            return z0 + z1 + z2 + z3 + z4 + z5 + z6 + z7 + z8 + z9 + z10 + z11 + z12 + z13 + z14 + z15 +
                   z16 + z17 + z18 + z19 + z20 + z21 + z22 + z23 + z24 + z25 + z26 + z27 + z28 + z29 +
                   z30 + z31;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static long ScrubStack(int depth) {
        var zeros = default(Zeros);
        return (depth > 0 ? ScrubStack(depth - 1) : 0) + zeros.Sum();
    }

    void Route(EventHandle ev) {
        Pending p = null;
        ulong id = rtm_native.rtm_event_request_id(ev);
        lock (sync) {
            if (id != 0 && pending.TryGetValue(id, out p)) {
                pending.Remove(id);
            } else {
                appQueue.Enqueue(ev);
                Monitor.PulseAll(sync);
                return;
            }
        }
        var e = new Event(ev, owner);
        if (p.FaultOnError && e.Error != ErrorCode.Ok) {
            p.Task.SetException(e.ResultException());
            e.Dispose();
        } else {
            p.Task.SetResult(e);
        }
    }

    // Ends every task still waiting (the client is going away, so no result will come) and
    // drops the events nobody took, as rtm_client_free does with its queue.
    void Close() {
        List<Pending> orphans;
        lock (sync) {
            if (closed)
                return;
            closed = true;
            orphans = new List<Pending>(pending.Values);
            pending.Clear();
            while (appQueue.Count > 0)
                appQueue.Dequeue().Dispose();
            Monitor.PulseAll(sync);
        }
        foreach (var p in orphans)
            p.Task.TrySetException(new RtmException(ErrorCode.Closed,
                                                    "the client was disposed before the result came"));
    }

    // Client.Dispose: stop the thread and wait for it; the caller frees the handle afterwards.
    internal void Stop() {
        stopping = true;
        WakeNative();
        if (Thread.CurrentThread != thread)
            thread.Join();
        Close();
    }

    // The Client was collected without Dispose: the thread frees the handle on its way out.
    // Called from the finalizer thread, so it only flags and wakes.
    internal void StopFromFinalizer() {
        freeHandleOnExit = true;
        stopping = true;
        WakeNative();
    }

    void WakeNative() {
        try {
            rtm_native.rtm_client_wakeup(handle);
        } catch (ObjectDisposedException) {
        }
    }
}

}
