package com.example.greetings;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobProvider;
import java.util.Collection;
import java.util.List;

/**
 * How the processor finds the jobs of this jar (listed in
 * {@code META-INF/services/dev.acidic.api.JobProvider}), and the tables they need: the processor
 * runs {@link #schema()} at start, after its own migrations.
 */
public final class GreetingsJobs implements JobProvider {
    @Override
    public Collection<JobDefinition> jobs() {
        return List.of(Greetings.definition());
    }

    @Override
    public List<String> schema() {
        return List.of("""
                CREATE TABLE IF NOT EXISTS greetings (
                    id              bigserial   PRIMARY KEY,
                    idempotency_key text        NOT NULL UNIQUE,
                    name            text        NOT NULL,
                    message         text        NOT NULL,
                    sent_at         timestamptz)""", """
                CREATE TABLE IF NOT EXISTS greeting_outbox (
                    id              bigserial   PRIMARY KEY,
                    idempotency_key text        NOT NULL,
                    greeting_id     bigint      NOT NULL)""");
    }
}
