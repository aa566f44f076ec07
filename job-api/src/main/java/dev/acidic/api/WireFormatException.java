package dev.acidic.api;

/** A record on an Acidic topic that does not have the documented JSON shape. */
public class WireFormatException extends RuntimeException {
    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
