package dev.veil.enclave.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Stand-ins for TEE guest interfaces, answering with real evidence from testdata/vectors. They record what the enclave
 * asked for, so tests can check the request as well as the answer.
 */
public final class FakeDevices {
    private FakeDevices() {
    }

    public static byte[] vector(String relative) throws IOException {
        return Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "vectors", relative));
    }

    /** A configfs-tsm report directory as the kernel would populate it after mkdir. */
    public static Path configfs(Path root, String entry, String provider, byte[] outblob, byte[] auxblob) throws IOException {
        Path dir = Files.createDirectories(root.resolve(entry));
        Files.writeString(dir.resolve("provider"), provider + "\n");
        Files.writeString(dir.resolve("generation"), "1\n");
        Files.write(dir.resolve("outblob"), outblob);
        if (auxblob != null) {
            Files.write(dir.resolve("auxblob"), auxblob);
        }
        return dir;
    }

    /** An SNP certificate table holding one certificate under the VCEK GUID. */
    public static byte[] certTable(byte[] vcek) {
        byte[] guid = {(byte) 0x8d, 0x75, (byte) 0xda, 0x63, 0x64, (byte) 0xe6, 0x64, 0x45, (byte) 0xad, (byte) 0xc5,
            (byte) 0xf4, (byte) 0xb9, 0x3b, (byte) 0xe8, (byte) 0xac, (byte) 0xcd};
        ByteBuffer b = ByteBuffer.allocate(48 + vcek.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(guid).putInt(48).putInt(vcek.length).put(new byte[24]).put(vcek);
        return b.array();
    }

    /** /dev/nsm answering every attestation request with {@code document}; keeps the last request's user_data. */
    public static final class Nsm implements DeviceIoctl {
        private final byte[] document;
        public byte[] lastUserData;
        public long lastRequest;

        public Nsm(byte[] document) {
            this.document = document;
        }

        @Override
        public int ioctl(Path device, long request, Memory arg) throws IOException {
            lastRequest = request;
            Pointer req = arg.getPointer(0);
            JsonNode r = new CBORMapper().readTree(req.getByteArray(0, (int) arg.getLong(8)));
            lastUserData = r.path("Attestation").path("user_data").binaryValue();
            byte[] answer = new CBORMapper().writeValueAsBytes(Map.of("Attestation", Map.of("document", document)));
            arg.getPointer(16).write(0, answer, 0, answer.length);
            arg.setLong(24, answer.length);
            return 0;
        }
    }

    /** /dev/sev-guest answering SNP_GET_REPORT with {@code report}; keeps the last user data and VMPL. */
    public static final class SevGuest implements DeviceIoctl {
        private final byte[] report;
        public byte[] lastUserData;
        public int lastVmpl;

        public SevGuest(byte[] report) {
            this.report = report;
        }

        @Override
        public int ioctl(Path device, long request, Memory arg) {
            Pointer req = arg.getPointer(8);
            lastUserData = req.getByteArray(0, 64);
            lastVmpl = req.getInt(64);
            Pointer resp = arg.getPointer(16);
            resp.setInt(0, 0);
            resp.setInt(4, report.length);
            resp.write(32, report, 0, report.length);
            arg.setLong(24, 0);
            return 0;
        }
    }
}
