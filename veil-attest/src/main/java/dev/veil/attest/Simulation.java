package dev.veil.attest;

/** The warning every use of the simulated TEE prints. */
public final class Simulation {
    public static final String BANNER = String.join("\n",
            "**********************************************************************",
            "*  INSECURE: SIMULATED TEE. There is no hardware isolation. Anyone   *",
            "*  can forge 'sim' evidence (its root key is public). The host can   *",
            "*  read every model, dataset and key. Use only for development.      *",
            "**********************************************************************");

    /** The same warning in one line, for logs. */
    public static final String ONE_LINE = "INSECURE: simulated TEE in use - no hardware isolation, evidence forgeable by anyone; development only";

    private Simulation() {
    }
}
