package dev.veil.enclave.inference;

/**
 * The inference worker's protocol on its standard input and output: one request, then one reply, at a time. Numbers
 * are big-endian ({@link java.io.DataOutputStream}); a string is a 16-bit byte length and UTF-8; tensor bytes are
 * little-endian as Veil's tensors hold them, their length never sent but derived from the element type and shape.
 *
 * <pre>
 * worker, once started     HELLO (8 bytes)
 * load   → worker          LOAD, threads i32, model length i32, model bytes
 *        ← worker          OK, inputs u16, value*, outputs u16, value*     | FAILED
 *   value                  name str, kind u8, element type id str ("" unknown), rank u8, (dim i64, dim name str)*
 * run    → worker          RUN, mode u8, [rows per call i32, output i16: ROWS only], tensors u16, (name str, type id str, rank u8, dim i64*, bytes)*
 *        ← worker          reply*, one per ONNX Runtime call; a FAILED reply is the request's last
 *   reply                  OK, outputs u16, (output index u16, type id str, rank u8, dim i64*, bytes)*   | FAILED
 * close  → worker          CLOSE; the worker releases its session and exits
 * FAILED                   FAILED, reason u8, output index u16, ONNX Runtime's text str
 * </pre>
 *
 * A NAMED request is one call, so one reply. A ROWS request carries a group of rows (its one tensor's first axis) that
 * the worker runs in consecutive calls of {@code rows per call} rows (the last may hold fewer), replying to each in
 * order: one pipe crossing for the group instead of one per call, while ONNX Runtime sees exactly the calls it would
 * see one request at a time. Its {@code output} is the index of the one model output to return ({@link #EVERY_ROWS_OUTPUT}:
 * every float32 and int64 output): the output policy encodes one output, and the others need not be copied out of ONNX
 * Runtime, across the pipe and into the enclave at every call.
 *
 * <p>Outputs are named by their index in the model's outputs, which at load were checked to be the contract's: a name the
 * worker sends back is never used.
 */
final class WorkerProtocol {
    static final byte[] HELLO = {'V', 'E', 'I', 'L', 'I', 'N', 'F', '1'};
    static final int LOAD = 1;
    static final int RUN = 2;
    static final int CLOSE = 3;

    static final int OK = 0;
    static final int FAILED = 1;

    /** RUN mode: every tensor output of Veil's element types, refusing a tensor output of another type. */
    static final int MODE_NAMED = 1;
    /**
     * RUN mode: the float32 and int64 tensor outputs only, which CSV and .npy rows are encoded from; the group of rows
     * is run in calls of a given number of rows, one reply each.
     */
    static final int MODE_ROWS = 2;
    /** A ROWS request's output: every float32 and int64 output, rather than one by its index. */
    static final int EVERY_ROWS_OUTPUT = -1;

    /** FAILED reasons. */
    static final int REFUSED_MODEL = 1;
    static final int METADATA_UNREADABLE = 2;
    static final int RUN_FAILED = 3;
    static final int OUTPUT_TYPE_UNSUPPORTED = 4;

    static final int KIND_TENSOR = 1;
    static final int KIND_SEQUENCE = 2;
    static final int KIND_MAP = 3;
    static final int KIND_OTHER = 4;

    /** Longest string the enclave reads: a name of 256 characters in UTF-8 fits. */
    static final int MAX_STRING_BYTES = 1024;
    /** Longest ONNX Runtime error text the enclave keeps (only ever as an exception's unshown cause). */
    static final int MAX_TEXT_BYTES = 2048;

    private WorkerProtocol() {
    }
}
