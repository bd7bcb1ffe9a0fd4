# The textbook's UDP pinger lab (Kurose & Ross, chapter 2 assignment): ten pings to the server,
# one at a time, each waiting at most one second. A reply prints its round-trip time; a ping
# whose datagram (or reply) was lost prints "Request timed out". Server name and port from the
# command line.
import sys
import time
from socket import *

serverName = sys.argv[1] if len(sys.argv) > 1 else 'server'
serverPort = int(sys.argv[2]) if len(sys.argv) > 2 else 12000
clientSocket = socket(AF_INET, SOCK_DGRAM)
clientSocket.settimeout(1)
for sequence in range(1, 11):
    sent = time.time()
    message = 'Ping %d %f' % (sequence, sent)
    clientSocket.sendto(message.encode(), (serverName, serverPort))
    try:
        reply, address = clientSocket.recvfrom(1024)
        rtt = time.time() - sent
        print('Reply from %s: %s RTT = %.3f ms' % (address[0], reply.decode(), rtt * 1000))
    except timeout:
        print('Request timed out')
clientSocket.close()
