package dev.acidic.testkit;

import dev.acidic.api.JobProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link AcidicTest}: one {@link AcidicKit} per test class (on a
 * database of its own), injected as a parameter, closed after the class's last test. Use
 * {@code @AcidicTest}; {@code @ExtendWith(AcidicExtension.class)} works too (with the defaults of
 * {@code @AcidicTest}).
 */
public final class AcidicExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(AcidicExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        kit(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // a nested class uses its enclosing class's kit, which closes with that class
        AcidicKit own = context.getStore(NAMESPACE).remove(context.getRequiredTestClass(), AcidicKit.class);
        if (own != null) {
            own.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == AcidicKit.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        try {
            return kit(extensionContext);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("acidic-testkit: cannot set up the AcidicKit: " + e.getMessage(), e);
        }
    }

    /** The kit of the nearest enclosing test class that has one, made for this class if none does. */
    private static AcidicKit kit(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> type = c.get().getTestClass();
            if (type.isPresent() && c.get().getTestMethod().isEmpty()) {
                AcidicKit existing = c.get().getStore(NAMESPACE).get(type.get(), AcidicKit.class);
                if (existing != null) {
                    return existing;
                }
            }
        }
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        Class<?> type = classContext.getRequiredTestClass();
        AcidicTest settings = AnnotationSupport.findAnnotation(type, AcidicTest.class).orElse(null);
        boolean kafka = settings != null && settings.kafka();
        SharedServers servers = SharedServers.of(context);
        AcidicKit kit = new AcidicKit(new AcidicKit.Setup(servers.postgres(), servers.createDatabase(type.getSimpleName()),
                kafka ? servers.kafka() : null, type.getSimpleName()), providers(settings));
        classContext.getStore(NAMESPACE).put(type, kit);
        return kit;
    }

    private static List<JobProvider> providers(AcidicTest settings) {
        List<JobProvider> out = new ArrayList<>();
        if (settings != null && settings.providers().length > 0) {
            for (Class<? extends JobProvider> p : settings.providers()) {
                try {
                    out.add(p.getDeclaredConstructor().newInstance());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("acidic-testkit: cannot create job provider " + p.getName()
                            + " (it needs a public no-argument constructor): " + e, e);
                }
            }
            return out;
        }
        ServiceLoader.load(JobProvider.class, Thread.currentThread().getContextClassLoader()).forEach(out::add);
        return out;
    }
}
