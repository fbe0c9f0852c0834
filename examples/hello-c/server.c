/* A tiny compiled HTTP server for niso's examples and tests: answers every request with 200 and
 * a line naming the app, its uid and hostname. Port from $PORT (default 8080), address from $BIND
 * (default all). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  const char *port_env = getenv("PORT");
  int port = port_env ? atoi(port_env) : 8080;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const char *bind_env = getenv("BIND");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind_env && inet_pton(AF_INET, bind_env, &addr.sin_addr) != 1) {
    fprintf(stderr, "BIND=%s is not an IPv4 address\n", bind_env);
    return 1;
  }
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
    perror("listen");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  printf("hello-c listening on :%d\n", port);
  fflush(stdout);
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    char buf[4096];
    ssize_t n = read(c, buf, sizeof buf - 1);
    (void)n;
    char body[512];
    int len = snprintf(body, sizeof body, "hello-c %s uid=%d host=%s\n", getenv("APP_VERSION") ? getenv("APP_VERSION") : "?",
                       (int)getuid(), host);
    char head[256];
    int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len);
    if (write(c, head, hl) < 0 || write(c, body, len) < 0) perror("write");
    close(c);
  }
}
