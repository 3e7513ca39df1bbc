package dev.ballast.stack;

import java.util.Map;

/** How the services reach PostgreSQL; handed to them as DATABASE_URL, DATABASE_USER and DATABASE_PASSWORD. */
record DbConnection(String url, String user, String password, boolean embedded) {

    Map<String, String> environment() {
        return Map.of("DATABASE_URL", url, "DATABASE_USER", user, "DATABASE_PASSWORD", password);
    }

    /** The URL without its query string, which may carry credentials. */
    String displayUrl() {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    @Override
    public String toString() {
        return "DbConnection[" + displayUrl() + ", user=" + user + ", embedded=" + embedded + "]";
    }
}
