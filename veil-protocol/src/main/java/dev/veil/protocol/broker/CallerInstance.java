package dev.veil.protocol.broker;

import dev.veil.protocol.binding.InstanceKeys;
import java.util.HexFormat;

/**
 * An enclave instance calling the data-key service: the contract under which the broker released to it and its
 * instance keys. The broker serves it only while its record holds a release to these keys under this contract and
 * neither is revoked.
 */
public record CallerInstance(String contractHash, InstanceKeys instanceKeys) {
    public CallerInstance {
        BrokerFields.requireContractHash(contractHash);
        if (instanceKeys == null) {
            throw new IllegalArgumentException("a calling instance names its instance_keys");
        }
    }

    /** The contract hash and the instance keys' digest, as signed messages bind them. */
    byte[] binding() {
        byte[] contract = HexFormat.of().parseHex(contractHash);
        byte[] keys = instanceKeys.digest();
        byte[] out = new byte[contract.length + keys.length];
        System.arraycopy(contract, 0, out, 0, contract.length);
        System.arraycopy(keys, 0, out, contract.length, keys.length);
        return out;
    }
}
