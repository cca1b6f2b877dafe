package dev.veil.enclave.evidence;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One ioctl on a TEE guest device. The production implementation calls libc through JNA (Java 17 has no ioctl);
 * tests substitute a fake device that answers from recorded evidence.
 */
@FunctionalInterface
public interface DeviceIoctl {
    /** Opens {@code device}, issues {@code request} with {@code arg}, closes it; returns ioctl's result. */
    int ioctl(Path device, long request, Memory arg) throws IOException;

    /** Fails with a clear line when a guest device is missing, i.e. the enclave is not running where it should. */
    static void requireDevice(Path device, String environment) throws IOException {
        if (!java.nio.file.Files.exists(device)) {
            throw new IOException(device + " does not exist; run the enclave inside " + environment);
        }
    }

    /** _IOWR(type, nr, size) from the Linux ioctl encoding. */
    static long iowr(int type, int nr, int size) {
        return (3L << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    /** libc through JNA. */
    DeviceIoctl LIBC = (device, request, arg) -> {
        LibC c = LibC.INSTANCE;
        int fd = c.open(device.toString(), 2 /* O_RDWR */);
        if (fd < 0) {
            throw new IOException("cannot open " + device + " (errno " + Native.getLastError() + "); is this a TEE guest?");
        }
        try {
            int r = c.ioctl(fd, new NativeLong(request), arg);
            if (r < 0) {
                throw new IOException("ioctl on " + device + " failed (errno " + Native.getLastError() + ")");
            }
            return r;
        } finally {
            c.close(fd);
        }
    };

    /** The libc calls used. */
    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags);

        int close(int fd);

        int ioctl(int fd, NativeLong request, Pointer arg);
    }
}
