package dev.veil.cli;

import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads an asset key file given on the command line, refusing anything that cannot be one in one line. */
final class AssetKeyFile {
    /** A key file is one line of about 60 characters; anything much larger is the wrong file. */
    private static final long MAX_SIZE = 4096;

    private AssetKeyFile() {
    }

    static AssetKey read(String option, Path file) throws CliFailure, IOException {
        UserPaths.input(option, file);
        if (Files.size(file) > MAX_SIZE) {
            throw new CliFailure(option + " " + file + " is not a Veil asset key file (too large); give the .key file written by 'veil seal'");
        }
        byte[] raw = Files.readAllBytes(file);
        CharBuffer text = null;
        try {
            text = StandardCharsets.US_ASCII.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            return AssetKey.fromKeyFileText(text.toString());
        } catch (CharacterCodingException e) {
            throw new CliFailure(option + " " + file + " is not a Veil asset key file (binary content); give the .key file written by 'veil seal'");
        } catch (SealException e) {
            throw new CliFailure(option + " " + file + ": " + e.getMessage() + "; give the .key file written by 'veil seal'");
        } finally {
            Arrays.fill(raw, (byte) 0);
            if (text != null) {
                Arrays.fill(text.array(), '\0');
            }
        }
    }
}
