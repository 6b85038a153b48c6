from blocks import Head

net = Head(8, 3, 'head_')
net.initialize()
