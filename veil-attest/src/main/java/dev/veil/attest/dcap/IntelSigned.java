package dev.veil.attest.dcap;

import java.time.Instant;

/** What TCB Info and QE Identity share: Intel signs them, they are valid for a window, and they carry a TCB evaluation number. */
sealed interface IntelSigned permits TcbInfo, QeIdentity {
    /** "TCB Info" or "QE Identity", for messages. */
    String what();

    Instant issueDate();

    Instant nextUpdate();

    long tcbEvaluationDataNumber();
}
