package newslink.opensearch;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

import org.opensearch.Version;
import org.opensearch.env.Environment;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.PluginInfo;

/**
 * A {@link Node} whose plugins come from the classpath, not from a plugins/ folder of a
 * distribution: the same trick as OpenSearch's own test {@code MockNode}. That is what lets
 * the node run from Maven Central jars alone.
 *
 * <p>Why the raw {@code Collection}: the protected constructor takes plugin classes in
 * OpenSearch 2.x and {@link PluginInfo}s in 3.x. Both erase to the same descriptor, so this
 * one class compiles and links against either; {@link #classpathPlugins} hands over what the
 * running version's constructor declares.
 */
final class LocalNode extends Node {

    @SuppressWarnings({"unchecked", "rawtypes"})
    LocalNode(Environment environment, List<Class<? extends Plugin>> plugins) {
        super(environment, (Collection) classpathPlugins(plugins), true);
    }

    /** {@code plugins} as classes (2.x) or as PluginInfo descriptors (3.x), whichever Node wants. */
    private static Collection<?> classpathPlugins(List<Class<? extends Plugin>> plugins) {
        if (!wantsPluginInfo()) {
            return plugins;
        }
        List<PluginInfo> infos = new ArrayList<>();
        for (Class<? extends Plugin> plugin : plugins) {
            infos.add(new PluginInfo(plugin.getName(), "classpath plugin", "NA", Version.CURRENT,
                    "1.8", plugin.getName(), null, Collections.emptyList(), false));
        }
        return infos;
    }

    private static boolean wantsPluginInfo() {
        for (Constructor<?> c : Node.class.getDeclaredConstructors()) {
            Type[] params = c.getGenericParameterTypes();
            if (params.length == 3 && params[1] instanceof ParameterizedType p) {
                return p.getActualTypeArguments()[0] == PluginInfo.class;
            }
        }
        throw new IllegalStateException("no Node(Environment, Collection, boolean) constructor in OpenSearch " + Version.CURRENT);
    }
}
