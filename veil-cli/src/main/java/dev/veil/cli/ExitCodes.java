package dev.veil.cli;

import dev.veil.protocol.text.TerminalText;
import dev.veil.attest.AttestationException;
import dev.veil.enclave.inference.UntrustedNativeLibraryException;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.SealException;
import dev.veil.tensor.TensorFormatException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Exit codes: 0 success; 1 an unexpected internal error; 2 invalid input or failed verification (bad file, wrong key,
 * tampered data, refused evidence, refused native libraries, bad arguments). Every failure prints exactly one line on stderr.
 */
public final class ExitCodes implements CommandLine.IExecutionExceptionHandler {
    public static final int OK = 0;
    public static final int INTERNAL = 1;
    public static final int INVALID = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String message = userMessage(e);
        if (message == null && isADirectory(e)) {
            message = directoryGiven(parseResult);
        }
        if (message != null) {
            err.println("veil: " + TerminalText.escape(message));
            err.flush();
            return INVALID;
        }
        err.println("veil: internal error (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
                + TerminalText.escape(e.getMessage())) + "); please report it with the command you ran");
        if (System.getenv("VEIL_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return INTERNAL;
    }

    /** Reading a directory as a file fails with a bare IOException that names no file. */
    private static boolean isADirectory(Throwable e) {
        return e instanceof java.io.IOException && !(e instanceof java.nio.file.FileSystemException)
                && "Is a directory".equals(e.getMessage());
    }

    /**
     * Names the option that was given a directory where a file was expected: any command, any option, without each
     * command checking each of its paths first.
     */
    private static String directoryGiven(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult r = parseResult; r != null; r = r.subcommand()) {
            for (CommandLine.Model.OptionSpec o : r.matchedOptions()) {
                Object v = o.getValue();
                for (Object each : v instanceof java.util.Collection<?> c ? c : java.util.List.of(v == null ? "" : v)) {
                    if (each instanceof java.nio.file.Path p && java.nio.file.Files.isDirectory(p)) {
                        return o.longestName() + " " + p + " is a directory; give a file";
                    }
                }
            }
        }
        return "a directory was given where a file is expected; give a file";
    }

    /** The one-line message for failures caused by input, or null for internal errors. */
    static String userMessage(Throwable e) {
        if (e instanceof CliFailure || e instanceof SealException || e instanceof ProtocolException
                || e instanceof TensorFormatException) {
            return e.getMessage();
        }
        if (e instanceof UntrustedNativeLibraryException) {
            return e.getMessage();
        }
        if (e instanceof AttestationException a) {
            return "attestation evidence refused: " + a.getMessage();
        }
        if (e instanceof NoSuchFileException n) {
            return "file not found: " + n.getFile() + "; check the path";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return "refusing to overwrite " + f.getFile() + "; remove it or choose another path";
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return "cannot use " + f.getFile() + (f.getReason() == null ? "" : ": " + f.getReason()) + "; check the path";
        }
        if (e instanceof java.net.UnknownHostException u) {
            return "cannot resolve host " + u.getMessage() + "; check the enclave address";
        }
        if (e instanceof java.nio.channels.UnresolvedAddressException) {
            return "cannot resolve the enclave host; check the enclave address";
        }
        if (e instanceof java.net.ConnectException c) {
            return "cannot connect to the enclave (" + c.getMessage() + "); is 'veil enclave run' listening there?";
        }
        if (e instanceof java.io.EOFException eof) {
            return "the other side closed the connection (" + eof.getMessage() + ")";
        }
        return null;
    }
}
