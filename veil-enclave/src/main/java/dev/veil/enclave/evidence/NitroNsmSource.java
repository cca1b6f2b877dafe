package dev.veil.enclave.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.sun.jna.Memory;
import dev.veil.attest.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evidence inside an AWS Nitro Enclave: the Nitro Secure Module at {@code /dev/nsm} takes a CBOR request
 * {@code {"Attestation": {"user_data", "nonce", "public_key"}}} through one ioctl (a request and a response iovec)
 * and answers with the COSE_Sign1 attestation document. Veil's 64-byte binding goes in {@code user_data}.
 */
public final class NitroNsmSource implements EvidenceSource {
    public static final Path DEFAULT_DEVICE = Path.of("/dev/nsm");
    /** NSM_IOCTL_REQUEST = _IOWR(0x0A, 0, struct nsm_message { iovec request; iovec response; }). */
    static final long NSM_REQUEST = DeviceIoctl.iowr(0x0A, 0, 32);
    static final int MAX_RESPONSE = 0x3000;
    private static final CBORMapper CBOR = new CBORMapper();

    private final Path device;
    private final DeviceIoctl ioctl;

    public NitroNsmSource(Path device, DeviceIoctl ioctl) {
        this.device = device;
        this.ioctl = ioctl;
    }

    @Override
    public Platform platform() {
        return Platform.NITRO;
    }

    @Override
    public void probe() throws IOException {
        DeviceIoctl.requireDevice(device, "a Nitro Enclave");
    }

    @Override
    public Collected collect(byte[] reportData) throws IOException {
        Map<String, Object> fields = new HashMap<>();
        fields.put("user_data", reportData);
        fields.put("nonce", null);
        fields.put("public_key", null);
        byte[] request = CBOR.writeValueAsBytes(Map.of("Attestation", fields));
        Memory req = new Memory(request.length);
        req.write(0, request, 0, request.length);
        Memory resp = new Memory(MAX_RESPONSE);
        Memory msg = new Memory(32);
        msg.setPointer(0, req);
        msg.setLong(8, request.length);
        msg.setPointer(16, resp);
        msg.setLong(24, MAX_RESPONSE);
        ioctl.ioctl(device, NSM_REQUEST, msg);
        long n = msg.getLong(24);
        if (n <= 0 || n > MAX_RESPONSE) {
            throw new IOException("NSM returned a response of " + n + " bytes");
        }
        JsonNode answer = CBOR.readTree(resp.getByteArray(0, (int) n));
        if (answer.has("Error")) {
            throw new IOException("NSM refused the attestation request: " + answer.get("Error").asText());
        }
        JsonNode doc = answer.path("Attestation").path("document");
        if (!doc.isBinary()) {
            throw new IOException("NSM response carries no attestation document");
        }
        return new Collected(doc.binaryValue(), List.of());
    }
}
