#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static void cpu(int pid,long*u,long*s){char p[64];snprintf(p,64,"/proc/%d/stat",pid);FILE*f=fopen(p,"r");char b[4096];fgets(b,4096,f);fclose(f);char*q=strrchr(b,')')+2;int i=0;char*t=strtok(q," ");while(t){i++;if(i==12)*u=atol(t);if(i==13){*s=atol(t);break;}t=strtok(NULL," ");}}
int main(int argc,char**argv){int port=atoi(argv[1]),pid=atoi(argv[2]);long n=atol(argv[3]);
 int fd=socket(AF_INET,SOCK_STREAM,0);struct sockaddr_in a={0};a.sin_family=AF_INET;a.sin_port=htons(port);a.sin_addr.s_addr=inet_addr("127.0.0.1");
 if(connect(fd,(void*)&a,sizeof a)){perror("connect");return 1;} int one=1;setsockopt(fd,IPPROTO_TCP,TCP_NODELAY,&one,4);
 unsigned char req[8+40]={0,0,1,0,0,0,0,40}; unsigned char rep[100];
 long u0,s0,u1,s1;cpu(pid,&u0,&s0);double t0=now();
 for(long i=0;i<n;i++){ if(write(fd,req,sizeof req)!=sizeof req)return 1; size_t got=0; while(got<100){ssize_t r=read(fd,rep+got,100-got); if(r<=0)return 1; got+=r;} }
 double t=now()-t0;cpu(pid,&u1,&s1);long hz=sysconf(_SC_CLK_TCK);
 printf("%ld requests: rtt %.1f us, server user %.2f us, sys %.2f us per request\n",n,t/n*1e6,(u1-u0)*1e6/hz/n,(s1-s0)*1e6/hz/n);return 0;}
