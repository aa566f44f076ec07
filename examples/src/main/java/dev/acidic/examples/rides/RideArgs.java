package dev.acidic.examples.rides;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Arguments of {@code rides.create}. {@code raise_error} is a demo switch, not part of the request's identity. */
public record RideArgs(
        @JsonProperty("user_id") long userId,
        @JsonProperty("origin_lat") double originLat,
        @JsonProperty("origin_lon") double originLon,
        @JsonProperty("target_lat") double targetLat,
        @JsonProperty("target_lon") double targetLon,
        @JsonProperty("raise_error") boolean raiseError) {

    /** Price: a base fare plus a rate per degree travelled (rockets are not cheap). */
    public long amountCents() {
        double distance = Math.hypot(targetLat - originLat, targetLon - originLon);
        return 20_00 + Math.round(distance * 100_00);
    }
}
