// The PWA's service worker: precache of the shell, offline reading, update flow, web push.
// The build writes BUILD_VERSION, PRECACHE ([url, revision] pairs) and CONFIG above this line.
"use strict";

const PRECACHE_NAME = "precache-" + BUILD_VERSION;
const PAGES_NAME = "pages-v1";
const OFFLINE_URL = CONFIG.offline;
const MAX_PAGES = 200;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(PRECACHE_NAME).then((cache) =>
      cache.addAll(PRECACHE.map(([url]) => new Request(url, { cache: "reload" })))
    )
  );
  // A first install takes over at once; an update waits until the user agrees (SKIP_WAITING).
  if (!self.registration.active) self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("precache-") && name !== PRECACHE_NAME)
          .map((name) => caches.delete(name))
      );
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (data.type === "CACHE_URLS" && Array.isArray(data.urls)) {
    // The page that installed the worker was loaded before it: keep a copy of it too.
    event.waitUntil(
      caches.open(PAGES_NAME).then((cache) =>
        Promise.all(
          data.urls
            .filter((url) => new URL(url).origin === self.location.origin)
            .map((url) => cache.add(url).catch(() => undefined))
        )
      )
    );
  }
});

function isContentPage(url) {
  return CONFIG.swr_prefixes.some((prefix) => url.pathname.startsWith(prefix) && url.pathname !== prefix);
}

async function trimPages(cache) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_PAGES; i++) await cache.delete(keys[i]);
}

async function fromNetwork(request) {
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(PAGES_NAME);
    await cache.put(request.url, response.clone());
    trimPages(cache);
  }
  return response;
}

async function offlineFallback(request) {
  const cached = await caches.match(request.url, { ignoreSearch: true });
  if (cached) return cached;
  return (await caches.match(OFFLINE_URL)) || new Response("オフラインです", {
    status: 503,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

// Notices and jobs already seen: shown at once from the cache, refreshed in the background.
async function staleWhileRevalidate(event) {
  const cached = await caches.match(event.request.url, { ignoreSearch: true });
  const network = fromNetwork(event.request);
  if (cached) {
    event.waitUntil(network.catch(() => undefined));
    return cached;
  }
  try {
    return await network;
  } catch (error) {
    return offlineFallback(event.request);
  }
}

// Every other page: the network first, so that the newest lists show; the cache when offline.
async function networkFirst(event) {
  try {
    return await fromNetwork(event.request);
  } catch (error) {
    return offlineFallback(event.request);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(isContentPage(url) ? staleWhileRevalidate(event) : networkFirst(event));
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Web push: the Declarative Web Push JSON ({"web_push": 8030, "notification": {...}}).
function parsePush(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (error) {
    return { notification: { title: CONFIG.name, body: event.data.text() } };
  }
}

self.addEventListener("push", (event) => {
  const message = parsePush(event);
  const n = message.notification || {};
  const navigate = new URL(n.navigate || "/", self.location.origin).href;
  const options = {
    body: n.body || "",
    lang: n.lang || "ja",
    dir: n.dir || "auto",
    tag: n.tag || undefined,
    icon: n.icon || CONFIG.icon,
    badge: CONFIG.badge,
    silent: Boolean(n.silent),
    requireInteraction: Boolean(n.require_interaction),
    timestamp: n.timestamp || Date.now(),
    data: { navigate },
  };
  const badge = message.app_badge !== undefined ? message.app_badge : n.app_badge;
  const work = [self.registration.showNotification(n.title || CONFIG.name, options)];
  if (badge !== undefined && "setAppBadge" in self.navigator) {
    work.push(self.navigator.setAppBadge(Number(badge)).catch(() => undefined));
  }
  event.waitUntil(Promise.all(work));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.navigate) ||
    new URL("/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const same = windows.find((client) => client.url === target);
      if (same) return same.focus().catch(() => same);
      const ours = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (ours && "navigate" in ours) {
        try {
          const moved = await ours.navigate(target);
          return (moved || ours).focus().catch(() => moved);
        } catch (error) {
          // Not controlled by this worker: open a new window instead.
        }
      }
      return self.clients.openWindow(target);
    })()
  );
});
