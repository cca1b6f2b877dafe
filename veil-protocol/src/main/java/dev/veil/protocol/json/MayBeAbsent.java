package dev.veil.protocol.json;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component of a protocol document that a sender may leave out (or send as null) and whose absence
 * means something stated where it is declared. Every other part of a parsed document must be there:
 * {@link RequiredParts} refuses the document otherwise, so no check downstream ever meets a null it did not expect.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface MayBeAbsent {
}
