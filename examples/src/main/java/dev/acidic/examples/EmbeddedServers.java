package dev.acidic.examples;

import dev.acidic.embedded.EmbeddedInfrastructure;
import dev.acidic.processor.AcidicConfig;
import dev.acidic.processor.LocalInfrastructure;
import java.io.IOException;

/** The runnable jar's answer to "no Kafka or Postgres configured": the embedded module's real servers. */
final class EmbeddedServers implements LocalInfrastructure {
    @Override
    public Started start(AcidicConfig config) throws IOException {
        EmbeddedInfrastructure infra = EmbeddedInfrastructure.start(config.dataDir(), config.bootstrapServers().isBlank(),
                config.jdbcUrl().isBlank());
        AcidicConfig filled = config;
        if (infra.bootstrapServers() != null) {
            filled = filled.withBootstrapServers(infra.bootstrapServers());
        }
        if (infra.jdbcUrl() != null) {
            filled = filled.withJdbc(infra.jdbcUrl(), infra.jdbcUser(), infra.jdbcPassword());
        }
        return new Started(filled, infra);
    }
}
