// How C# values cross the C ABI, for the typemaps of swig/rtm_csharp.i: strings as
// NUL-terminated UTF-8, string lists and attribute arrays as one unmanaged block, payload bytes
// as a pinned byte[]. Nothing here keeps memory past the call it was built for.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace Rtm {

// The C side's rtm_cs_list_t, passed by value: a pointer and a count.
[StructLayout(LayoutKind.Sequential)]
internal struct NativeList {
    public IntPtr Items;
    public UIntPtr Count;
}

internal static class Utf8 {
    static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

    // A C string argument; null stays a NULL pointer (the library says what it thinks of it).
    // Text with a NUL would be cut short in C and a lone surrogate has no UTF-8 form: both are
    // refused here rather than sent as something else.
    internal static byte[] ToNative(string text) {
        if (text == null)
            return null;
        if (text.IndexOf('\0') >= 0)
            throw new RtmException(ErrorCode.InvalidArgument,
                                   "the text contains a NUL character (send bytes as a raw message)");
        try {
            var bytes = new byte[Strict.GetByteCount(text) + 1];
            Strict.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        } catch (EncoderFallbackException) {
            throw new RtmException(ErrorCode.InvalidArgument,
                                   "the text is not valid UTF-16 (it has a lone surrogate)");
        }
    }

    // A borrowed C string; the caller holds the object it is borrowed from.
    internal static string FromNative(IntPtr p) {
        if (p == IntPtr.Zero)
            return null;
        int n = 0;
        while (Marshal.ReadByte(p, n) != 0)
            n++;
        return FromNative(p, n);
    }

    internal static string FromNative(IntPtr p, int length) {
        if (length == 0)
            return "";
        var bytes = new byte[length];
        Marshal.Copy(p, bytes, 0, length);
        return Encoding.UTF8.GetString(bytes);
    }
}

// Strings (or key/value pairs) for a (const char *const *, size_t) or (const rtm_attribute_t *,
// size_t) argument: one unmanaged block holding the pointer table, then the UTF-8 strings. An
// rtm_attribute_t is two string pointers, so attribute pairs are written key, value, key, ...
internal sealed class NativeBlock : IDisposable {
    IntPtr block;
    internal NativeList List;

    NativeBlock() {}

    internal static NativeBlock FromStrings(string[] items) {
        var b = new NativeBlock();
        if (items != null)
            b.Fill(items, items.Length);
        return b;
    }

    internal static NativeBlock FromAttributes(IEnumerable<KeyValuePair<string, string>> attributes) {
        var b = new NativeBlock();
        if (attributes != null) {
            var flat = new List<string>();
            foreach (var kv in attributes) {
                flat.Add(kv.Key);
                flat.Add(kv.Value);
            }
            b.Fill(flat.ToArray(), flat.Count / 2);
        }
        return b;
    }

    void Fill(string[] strings, int count) {
        var encoded = new byte[strings.Length][];
        long size = (long)IntPtr.Size * strings.Length;
        for (int i = 0; i < strings.Length; i++) {
            encoded[i] = Utf8.ToNative(strings[i]);
            if (encoded[i] != null)
                size += encoded[i].Length;
        }
        block = Marshal.AllocHGlobal(new IntPtr(Math.Max(size, 1)));
        long offset = (long)IntPtr.Size * strings.Length;
        for (int i = 0; i < strings.Length; i++) {
            IntPtr p = IntPtr.Zero;
            if (encoded[i] != null) {
                p = new IntPtr(block.ToInt64() + offset);
                Marshal.Copy(encoded[i], 0, p, encoded[i].Length);
                offset += encoded[i].Length;
            }
            Marshal.WriteIntPtr(block, i * IntPtr.Size, p);
        }
        List.Items = block;
        List.Count = new UIntPtr((uint)count);
    }

    public void Dispose() {
        if (block != IntPtr.Zero) {
            Marshal.FreeHGlobal(block);
            block = IntPtr.Zero;
        }
    }
}

// A byte[] pinned for one call: the library reads (and copies) the bytes in place.
internal struct PinnedBytes : IDisposable {
    GCHandle pin;
    internal NativeList List;

    internal static PinnedBytes Pin(byte[] data) {
        var p = new PinnedBytes();
        if (data != null) {
            p.pin = GCHandle.Alloc(data, GCHandleType.Pinned);
            p.List.Items = p.pin.AddrOfPinnedObject();
            p.List.Count = new UIntPtr((uint)data.Length);
        }
        return p;
    }

    public void Dispose() {
        if (pin.IsAllocated)
            pin.Free();
    }
}

}
