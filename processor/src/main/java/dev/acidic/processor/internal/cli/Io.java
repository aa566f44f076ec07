package dev.acidic.processor.internal.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * What a command reads its configuration from and prints to: the {@code ACIDIC_*} environment (the
 * process's, or a test's), standard output (the result, in the format {@code -o} asks for) and
 * standard error (progress, hints and errors, never mixed into the result).
 */
record Io(Map<String, String> env, PrintStream out, PrintStream err) {}
