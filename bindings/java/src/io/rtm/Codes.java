package io.rtm;

import java.util.function.ToIntFunction;

/** C value to Java enum constant lookups (the C values are small and non-negative). */
final class Codes {
    private Codes() {}

    static <E extends Enum<E>> E[] index(E[] values, ToIntFunction<E> code) {
        int max = 0;
        for (E e : values) max = Math.max(max, code.applyAsInt(e));
        @SuppressWarnings("unchecked")
        E[] byCode = (E[]) java.lang.reflect.Array.newInstance(values.getClass().getComponentType(), max + 1);
        for (E e : values) byCode[code.applyAsInt(e)] = e;
        return byCode;
    }

    static <E> E lookup(E[] byCode, int code, String type) {
        E e = code >= 0 && code < byCode.length ? byCode[code] : null;
        if (e == null) throw new IllegalArgumentException(code + " is not a " + type + " value");
        return e;
    }
}
