// The PWA's service worker: precache of the shell, offline reading, update flow, web push.
// The build writes BUILD_VERSION, PRECACHE ([url, revision] pairs) and CONFIG above this line.
//
// What it keeps is an allow-list the build writes (CONFIG.public_paths, public_prefixes,
// shells): the public pages of the site, stored under their path without a query string, and
// the app's static shells (the same file for everyone), precached. Never /api/, /admin/, a
// member screen's data or a URL's query; CLEAR_MEMBER (sent at sign-out) drops anything else.
"use strict";

const PRECACHE_NAME = "precache-" + BUILD_VERSION;
const PAGES_NAME = "pages-v1";
const OFFLINE_URL = CONFIG.offline;
const MAX_PAGES = 200;
const PUBLIC_PATHS = new Set(CONFIG.public_paths);
const SHELLS = new Set(CONFIG.shells);
const PRECACHED = new Set(PRECACHE.map(([url]) => url));
// Never answered by the worker: the CMS, its API and its files go straight to the network.
const NEVER = ["/api/", "/admin/", "/django-admin/", "/documents/", "/preview/", "/media/"];

function isPublicPage(url) {
  if (url.origin !== self.location.origin) return false;
  const path = url.pathname;
  return PUBLIC_PATHS.has(path) || CONFIG.public_prefixes.some((prefix) => path.startsWith(prefix));
}

// The key a public page is stored under: its path, never its query (?via=push, …).
function pageKey(url) {
  return new URL(url.pathname, self.location.origin).href;
}

// Whatever a cache holds that is not a public page or a precached file goes (the worker of an
// older version kept every page it saw; a sign-out must leave nothing member-only behind).
async function dropMemberData() {
  for (const name of await caches.keys()) {
    if (name !== PAGES_NAME && !name.startsWith("precache-")) {
      await caches.delete(name);
      continue;
    }
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      const kept = url.search === "" && (name === PAGES_NAME ? isPublicPage(url) : PRECACHED.has(url.pathname) || url.pathname.startsWith("/assets/"));
      if (!kept) await cache.delete(request);
    }
  }
}

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
      await dropMemberData();
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (data.type === "CACHE_URLS" && Array.isArray(data.urls)) {
    // The page that installed the worker was loaded before it: keep a copy of it too (a
    // public page only).
    event.waitUntil(
      caches.open(PAGES_NAME).then((cache) =>
        Promise.all(
          data.urls
            .map((url) => new URL(url))
            .filter((url) => isPublicPage(url))
            .map((url) =>
              fetch(url.href)
                .then((response) => (response.ok && !response.redirected ? cache.put(pageKey(url), response) : undefined))
                .catch(() => undefined)
            )
        )
      )
    );
  } else if (data.type === "SAVED_PAGES" && event.ports && event.ports[0]) {
    // The offline page's list: the addresses of the public pages kept for reading, asked of
    // the worker, which alone knows its cache (the page had the cache's name written twice).
    event.waitUntil(
      caches.open(PAGES_NAME).then((cache) => cache.keys()).then((requests) => {
        event.ports[0].postMessage({ type: "SAVED_PAGES", urls: requests.map((request) => request.url) });
      })
    );
  } else if (data.type === "CLEAR_MEMBER") {
    // Signed out: nothing member-only stays, not even a notification showing a notice title.
    event.waitUntil(
      (async () => {
        await dropMemberData();
        for (const notification of await self.registration.getNotifications()) notification.close();
        if ("clearAppBadge" in self.navigator) await self.navigator.clearAppBadge().catch(() => undefined);
        if (event.ports && event.ports[0]) event.ports[0].postMessage({ type: "MEMBER_CLEARED" });
      })()
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
  const url = new URL(request.url);
  if (response.ok && !response.redirected && isPublicPage(url)) {
    const cache = await caches.open(PAGES_NAME);
    await cache.put(pageKey(url), response.clone());
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

// An app screen: the newest shell from the network, the precached one offline (never stored
// from the visit: only the build's own copy, the same for everyone, is kept).
async function appShell(event, url) {
  try {
    return await fetch(event.request);
  } catch (error) {
    return (await caches.match(url.pathname)) || offlineFallback(event.request);
  }
}

// A page outside the allow-list: the network, or the offline page; nothing is kept.
async function networkOnly(event) {
  try {
    return await fetch(event.request);
  } catch (error) {
    return (await caches.match(OFFLINE_URL)) || offlineFallback(event.request);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === "navigate") {
    if (SHELLS.has(url.pathname)) event.respondWith(appShell(event, url));
    else if (!isPublicPage(url)) event.respondWith(networkOnly(event));
    else event.respondWith(isContentPage(url) ? staleWhileRevalidate(event) : networkFirst(event));
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
    data: { navigate, notice: (n.data && n.data.notice) || null },
  };
  const badge = message.app_badge !== undefined ? message.app_badge : n.app_badge;
  const work = [self.registration.showNotification(n.title || CONFIG.name, options)];
  if (badge !== undefined && "setAppBadge" in self.navigator) {
    work.push(self.navigator.setAppBadge(Number(badge)).catch(() => undefined));
  }
  event.waitUntil(Promise.all(work));
});

// A click on a notice's notification is recorded by the API as that notice opened by push
// (the API stores it only for a signed-in alumnus who agreed to analysis; the page it opens
// may report it again, and the API counts one a day).
function recordOpen(data) {
  const notice = data && data.notice;
  if (!notice || !CONFIG.api_origin) return Promise.resolve();
  return fetch(CONFIG.api_origin + "/api/v1/signals", {
    method: "POST",
    credentials: "include",
    keepalive: true,
    headers: { "Content-Type": "text/plain" },
    body: JSON.stringify({ signals: [{ type: "notice_opened", id: Number(notice), channel: "push" }] }),
  }).catch(() => undefined);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.navigate) ||
    new URL("/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      await recordOpen(event.notification.data);
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
