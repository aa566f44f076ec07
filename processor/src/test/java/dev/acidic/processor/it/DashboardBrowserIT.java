package dev.acidic.processor.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.acidic.api.CompletionStatus;
import dev.acidic.api.JobCommand;
import dev.acidic.api.JobRequest;
import com.zaxxer.hikari.HikariDataSource;
import dev.acidic.processor.AcidicConfig;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless browser (Debian's Chromium, driven through its chromedriver)
 * against a real processor (real Kafka, real Postgres) that requires a bearer token: an operator
 * enters the token, reads the overview, filters the failed jobs, opens one, fixes its cause, presses
 * Retry and sees it succeed; a parent lists its children and each child links back; a halted job
 * offers Resume (and Cancel) and goes on when pressed. Keys with '/', '?', '#', '%', quotes and
 * markup travel through links and API paths and show as text.
 *
 * <p>Skipped (with how to install them) when Chromium or chromedriver is absent. Screenshots go to
 * {@code target/dashboard-screenshots/}; with {@code -Dacidic.screenshots=docs} they are also copied
 * to {@code docs/} at the repository's root (relative paths resolve there), as the README shows them.
 *
 * <p>The tests share one processor and its jobs, in order: the overview's counts are those of the
 * seeded jobs before the later tests resume one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {
    private static final Path CHROMIUM = Path.of(System.getProperty("acidic.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("acidic.chromedriver", "/usr/bin/chromedriver"));
    private static final String TOKEN = "dashboard-token-" + Long.toHexString(System.nanoTime());
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SHOTS = Path.of("target", "dashboard-screenshots");
    private static final int WIDTH = 1360;
    private static final int HEIGHT = 900;

    /**
     * Selenium warns that it has no CDP binding for Debian's (newer) Chromium; the test uses none
     * (its one CDP call, the screenshot, goes through chromedriver). Held here: JUL keeps loggers weakly.
     */
    private static final java.util.logging.Logger CDP_VERSIONS = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    private static HikariDataSource db;
    private static Harness h;
    private static ChromeDriver driver;
    private static String base;
    private static String gated;
    private static String terminal;
    private static String parent;
    private static String halted;

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(Level.OFF);
        return l;
    }

    private static boolean browserPresent() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** Each test says it skipped, and why, when there is no browser (an assumption in @BeforeAll would hide the tests). */
    @BeforeEach
    void needsChromium() {
        assumeTrue(browserPresent(), () -> "DashboardBrowserIT SKIPPED: it needs Chromium at " + CHROMIUM + " and chromedriver at "
                + CHROMEDRIVER + "; install them with `apt-get install chromium chromium-driver` (or point -Dacidic.chromium and"
                + " -Dacidic.chromedriver at them)");
    }

    @BeforeAll
    static void startProcessorAndBrowser() throws Exception {
        if (!browserPresent()) {
            return;
        }
        // a database of its own: the pages show every key in it, and the counts are asserted exactly
        db = TestInfra.get().ownDatabase("dashboard_it", 2);
        int port = ObservabilityIT.freePort();
        h = new Harness("dashboard", Map.of(AcidicConfig.JDBC_URL, db.getJdbcUrl(), AcidicConfig.HTTP_PORT, Integer.toString(port),
                AcidicConfig.HTTP_TOKEN, TOKEN));
        h.start();
        base = "http://127.0.0.1:" + port;
        seed();
        driver = chromium();
    }

    /** Jobs in every state, keys that need encoding among them (keys need not be unique beyond this database). */
    private static void seed() throws Exception {
        List<java.util.concurrent.CompletableFuture<dev.acidic.api.Completion>> done = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            done.add(h.client().submit("ride/" + (1000 + i), JobRequest.of("test.three-steps", Map.of())));
        }
        gated = "payout/ride-42 \"express\" <i>now</i> & 100%?#";
        terminal = "card/declined-7";
        parent = "fleet/nightly-check";
        halted = "refund/ride-17";
        String cancelled = "refund/ride-18";
        done.add(h.client().submit(gated, JobRequest.of("test.gated", Map.of())));
        done.add(h.client().submit(terminal, JobRequest.of("test.terminal", Map.of())));
        done.add(h.client().submit(parent, JobRequest.of("test.fanout", Map.of("children", 3))));
        for (var f : done) {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals("FAILED", status(gated));
        h.client().submit(halted, JobRequest.of("test.halting", Map.of()));
        h.client().submit(cancelled, JobRequest.of("test.halting", Map.of()));
        Waits.await(() -> isHalted(halted) && isHalted(cancelled), WAIT, "two halted jobs");
        assertEquals(CompletionStatus.CANCELLED, h.client().submit(cancelled, JobCommand.cancel("not needed after all"))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS).status());
    }

    private static boolean isHalted(String key) {
        try {
            return "HALTED".equals(status(key));
        } catch (SQLException e) {
            return false;
        }
    }

    private static String status(String key) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT status FROM acidic_keys WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static ChromeDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=" + WIDTH + "," + HEIGHT, "--force-device-scale-factor=1", "--lang=en-US");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, Level.ALL.getName()));
        // the driver file given explicitly: Selenium Manager never looks for (or downloads) one
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @AfterEach
    void noScriptErrorsNorPolicyViolations() {
        if (driver == null) {
            return;
        }
        List<String> bad = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            String m = e.getMessage();
            // the 401s before the token was entered are expected; scripts failing or the CSP blocking something are not
            if (m.contains("Content Security Policy") || m.contains("Uncaught") || m.contains("TypeError") || m.contains("SyntaxError")) {
                bad.add(m);
            }
        }
        assertTrue(bad.isEmpty(), "the browser's console: " + bad);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (h != null) {
            h.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    @Order(1)
    void anOperatorEntersTheTokenFiltersFailedJobsAndRetriesOneToSuccess() throws Exception {
        driver.get(base + "/");
        driver.executeScript("sessionStorage.clear()");
        driver.navigate().refresh();
        WebElement auth = until(d -> visible(By.id("auth")));
        assertTrue(auth.isDisplayed(), "the page asks for the token when the API answers 401");
        auth.findElement(By.id("auth-token")).sendKeys("wrong");
        auth.findElement(By.id("auth-submit")).click();
        until(d -> text(By.id("auth-message")).contains("refused"));
        driver.findElement(By.id("auth-token")).sendKeys(TOKEN);
        driver.findElement(By.id("auth-submit")).click();

        // the overview: counts by job and status, the chart, lag per partition, the instance and its partitions
        until(d -> countCell("test.gated", "FAILED").equals("1"));
        assertFalse(driver.findElement(By.id("auth")).isDisplayed());
        assertEquals("8", countCell("test.three-steps", "SUCCEEDED"));
        assertEquals("1", countCell("test.halting", "HALTED"));
        assertEquals("1", countCell("test.halting", "CANCELLED"));
        assertEquals("3", countCell("test.kid", "SUCCEEDED"));
        until(d -> !d.findElements(By.cssSelector("#throughput rect.seg-ok")).isEmpty()
                && !d.findElements(By.cssSelector("#throughput rect.seg-failed")).isEmpty());
        assertTrue(driver.findElements(By.cssSelector("#lag tbody tr")).size() >= 2, "a lag row per requests partition, then the total");
        until(d -> text(By.id("instances")).contains(h.config.instanceId()));
        until(d -> text(By.id("health")).equals("ready"));
        screenshot("dashboard-overview.png");

        // the jobs list, failed only
        driver.findElement(By.id("nav-jobs")).click();
        until(d -> !d.findElements(By.cssSelector("#jobs tbody tr")).isEmpty());
        driver.findElement(By.id("f-status-failed")).click();
        driver.findElement(By.id("f-apply")).click();
        until(d -> ((String) driver.executeScript("return location.hash")).contains("status=FAILED")
                && rowStatuses().equals(List.of("FAILED", "FAILED")));
        assertTrue(listedKeys().containsAll(List.of(gated, terminal)), listedKeys().toString());
        screenshot("dashboard-jobs.png");

        // the failed job's page: error with its stack, only Retry applies
        driver.findElements(By.cssSelector("#jobs a.key")).stream().filter(a -> gated.equals(a.getDomAttribute("title"))).findFirst()
                .orElseThrow().click();
        until(d -> text(By.id("fact-status")).equals("FAILED"));
        assertEquals(gated, text(By.id("job-key")), "the key shows as text, whatever it holds");
        assertTrue(driver.findElements(By.cssSelector("#view i")).isEmpty(), "markup in a key is never markup on the page");
        assertTrue(text(By.id("error-message")).contains("the gate of " + gated + " is closed"), text(By.id("error-message")));
        assertTrue(text(By.id("error-stack")).contains("TerminalJobException"), "the stack trace");
        assertTrue(text(By.id("timeline")).contains("FAILED"));
        assertTrue(enabled("action-retry"));
        assertFalse(enabled("action-cancel"));
        assertFalse(enabled("action-resume"));
        screenshot("dashboard-job-failed.png");

        // the operator fixes the cause, then retries from the page: run 2 succeeds
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO test_gates VALUES (?, true)")) {
            ps.setString(1, gated);
            ps.executeUpdate();
        }
        driver.findElement(By.id("action-retry")).click();
        until(d -> text(By.id("fact-status")).equals("SUCCEEDED"));
        String flash = text(By.id("flash"));
        assertTrue(flash.startsWith("retry: SUCCEEDED (run 2)") || flash.startsWith("retry sent"), flash);
        assertEquals("2", text(By.id("fact-run")));
        String timeline = text(By.id("timeline"));
        assertTrue(timeline.contains("RETRIED") && timeline.contains("SUCCEEDED"), timeline);
        assertFalse(enabled("action-retry"), "nothing to retry once it succeeded");
        assertEquals("SUCCEEDED", status(gated));
        assertEquals(List.of("check", "after"), TestJobs.effects(db, gated), "the failed run's phase rolled back; the retry's committed once");
        screenshot("dashboard-job-retried.png");
    }

    @Test
    @Order(2)
    void aParentListsItsChildrenAndEachChildLinksBackToIt() {
        open("#/jobs/" + encode(parent));
        until(d -> d.findElements(By.cssSelector("#children tbody tr")).size() == 3);
        assertEquals("SUCCEEDED", text(By.id("fact-status")));
        List<String> kids = driver.findElements(By.cssSelector("#children a.key")).stream().map(a -> a.getDomAttribute("title")).toList();
        assertEquals(List.of(parent + "/kid-0", parent + "/kid-1", parent + "/kid-2"), kids);
        assertTrue(text(By.id("children")).contains("test.kid"));
        driver.findElements(By.cssSelector("#children a.key")).get(1).click();
        until(d -> text(By.id("job-key")).equals(parent + "/kid-1") && text(By.id("fact-status")).equals("SUCCEEDED"));
        driver.findElement(By.cssSelector("#fact-parent a")).click();
        until(d -> text(By.id("job-key")).equals(parent));
    }

    @Test
    @Order(3)
    void aHaltedJobOffersResumeAndCancelAndGoesOnWhenResumed() {
        open("#/jobs/" + encode(halted));
        until(d -> text(By.id("fact-status")).equals("HALTED"));
        assertTrue(enabled("action-resume"));
        assertTrue(enabled("action-cancel"));
        assertFalse(enabled("action-retry"));
        driver.findElement(By.id("action-resume")).click();
        until(d -> text(By.id("fact-status")).equals("SUCCEEDED"));
        assertTrue(text(By.id("flash")).startsWith("resume"), text(By.id("flash")));
        assertFalse(enabled("action-resume") || enabled("action-cancel") || enabled("action-retry"), "no command applies to a finished job");
    }

    /** Opens a route of the dashboard with the token already given (this tab's session storage). */
    private static void open(String fragment) {
        driver.get(base + "/");
        driver.executeScript("sessionStorage.setItem('acidic.http.token', arguments[0])", TOKEN);
        driver.get(base + "/" + fragment);
        driver.navigate().refresh();
    }

    /** Like encodeURIComponent (which the page decodes): any key, '/' and all, as one fragment segment. */
    private static String encode(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class).until(condition);
    }

    private static WebElement visible(By by) {
        List<WebElement> found = driver.findElements(by);
        return !found.isEmpty() && found.get(0).isDisplayed() ? found.get(0) : null;
    }

    private static String text(By by) {
        List<WebElement> found = driver.findElements(by);
        return found.isEmpty() ? "" : found.get(0).getText().trim();
    }

    private static boolean enabled(String id) {
        return driver.findElement(By.id(id)).isEnabled();
    }

    /** The overview's count of {@code job} in {@code status} ("" while not shown). */
    private static String countCell(String job, String status) {
        List<String> statuses = List.of("RUNNING", "HALTED", "SUCCEEDED", "FAILED", "CANCELLED");
        for (WebElement row : driver.findElements(By.cssSelector("#counts tbody tr"))) {
            if (job.equals(row.getDomAttribute("data-job"))) {
                return row.findElements(By.tagName("td")).get(statuses.indexOf(status)).getText().trim();
            }
        }
        return "";
    }

    private static List<String> rowStatuses() {
        return driver.findElements(By.cssSelector("#jobs tbody tr")).stream().map(r -> r.getDomAttribute("data-status")).toList();
    }

    private static List<String> listedKeys() {
        return driver.findElements(By.cssSelector("#jobs a.key")).stream().map(a -> a.getDomAttribute("title")).toList();
    }

    /**
     * The whole page as a PNG (Chromium's own capture beyond the viewport, at most 3,000 px high)
     * under target/, and under {@code -Dacidic.screenshots} when given.
     */
    private static void screenshot(String name) throws IOException {
        // the capture drops the scrollbar, so the page lays out at the window's full width
        long width = (Long) driver.executeScript("return window.innerWidth");
        long height = (Long) driver.executeScript("return document.documentElement.scrollHeight");
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", width, "height", Math.min(3000, height), "scale", 1)));
        byte[] png = Base64.getDecoder().decode((String) shot.get("data"));
        Files.createDirectories(SHOTS);
        Path file = Files.write(SHOTS.resolve(name), png);
        String copyTo = System.getProperty("acidic.screenshots", "");
        if (!copyTo.isBlank()) {
            Path dir = Path.of(copyTo).isAbsolute() ? Path.of(copyTo) : repositoryRoot().resolve(copyTo);
            Files.createDirectories(dir);
            Files.copy(file, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("job-api")) && Files.isDirectory(p.resolve("processor"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
